"""Credentials in a URL, sent by c6's client as one Basic Authorization
header (libcurl sent them before issue 11)."""
import base64
import json


def test_url_credentials_make_one_basic_header(c6):
    r = c6("http/url_credentials.js")
    assert r.code == 0, r
    o = json.loads(r.console()[0])
    # Go's net/http Client.send: req.URL.User -> SetBasicAuth(username,
    # password) with the percent-decoded values, unless the request already
    # has an Authorization header (k6 sends the request through it:
    # lib/netext/httpext/request.go MakeRequest -> client.Do)
    assert o["sent"] == "Basic " + base64.b64encode(b"alice:s:cr@t").decode(), o
    assert o["own"] == 401, o                      # the script's "alice:wrong" went, not the URL's
    assert o["noPass"] == "Basic " + base64.b64encode(b"alice:").decode(), o
