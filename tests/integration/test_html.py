"""k6/html: parseHTML with CSS selectors, traversal, values, form
serialization and Element methods (no network), then Response.html(),
submitForm() and clickLink() against the target's /forms/post and /html,
and a script that builds many documents (trees freed by the collector)."""
import json
import os

from hostile import rss_env, run_c6


def records(r):
    out = {}
    for m in r.console():
        tag, _, rest = m.partition(" ")
        out[tag] = json.loads(rest)
    return out


def test_selectors_traversal_values(c6):
    r = c6("html/selection.js", with_target=False)
    assert r.code == 0, r
    rec = records(r)
    s = rec["select"]
    assert s == {"li": 4, "cls": ["Apple", "Cherry"], "child": ["Banana ripe", "Date"],
                 "notsel": ["Banana ripe", "Cherry"], "attr": ["Apple", "Cherry"], "prefix": "abs",
                 "contains": ["Banana ripe"], "adj": ["Two", "Three"], "sib": ["One", "Two", "Three"],
                 "group": ["TITLE", "H1", "EM"], "has": "Banana ripe", "empty": 0,
                 "defaultExport": "function"}, r

    t = rec["traverse"]
    assert t["eq"] == "Banana ripe" and t["eqNeg"] == "Date" and t["first"] == "Apple" and t["last"] == "Date", r
    assert t["slice"] == ["Banana ripe", "Cherry"] and t["parent"] == "items", r
    assert t["parents"] == ["LI", "UL", "DIV", "BODY", "HTML"], r   # nearest first, as goquery
    assert t["parentsUntil"] == ["LI", "UL"] and t["closest"] == "main", r
    assert t["children"] == 4 and t["childrenSel"] == "Cherry" and t["contents"] == 2, r
    assert t["next"] == "Banana ripe" and t["nextAll"] == ["Banana ripe", "Date"] and t["nextUntil"] == ["Banana ripe"], r
    assert t["prev"] == "Cherry" and t["prevAll"] == ["Cherry", "Banana ripe", "Apple"], r
    assert t["prevUntil"] == ["Cherry", "Banana ripe"], r
    assert t["filterSel"] == ["Cherry"] and t["filterFn"] == ["Apple", "Cherry"] and t["filterSelection"] == ["Cherry"], r
    assert t["not"] == 0 and t["is"] == [True, False, True] and t["toArray"] == [1, 1, 1, 1], r
    assert t["each"] == ["0:Apple", "1:Banana ripe", "2:Cherry", "3:Date"] and t["getOut"] is True, r

    v = rec["values"]
    assert v["title"] == "Shop & more" and v["html"] == "Banana <em>ripe</em>", r
    assert v["text"] == "Apple Banana ripe Cherry Date" and v["attr"] == "/next?page=2#top", r
    assert v["attrMissing"] is True and v["attrDefault"] == "dflt", r
    assert v["dataKey"] == 42 and v["dataAll"] == {"pageId": 42, "flags": {"a": 1}, "on": True} and v["dataPrice"] == 3.5, r
    assert v["val"] == ["alice", "Why", ["m1", "m3"], "line1\nline2", "on"] and v["htmlEmpty"] is True, r

    f = rec["forms"]
    assert f["array"] == [{"name": "user", "value": "alice"}, {"name": "pw", "value": ""},
                          {"name": "tok", "value": "x y&z"}, {"name": "opt", "value": "a"},
                          {"name": "opt", "value": "b"}, {"name": "flag", "value": "on"},
                          {"name": "r", "value": "2"}, {"name": "one", "value": "Why"},
                          {"name": "many", "value": "m1"}, {"name": "many", "value": "m3"},
                          {"name": "txt", "value": "line1\r\nline2"}], r   # no disabled, submit or unchecked
    assert f["object"] == {"user": "alice", "pw": "", "tok": "x y&z", "opt": ["a", "b"], "flag": "on", "r": "2",
                           "one": "Why", "many": ["m1", "m3"], "txt": "line1\r\nline2"}, r
    assert f["query"] == ("user=alice&pw=&tok=x+y%26z&opt=a&opt=b&flag=on&r=2&one=Why&many=m1&many=m3"
                          "&txt=line1%0D%0Aline2"), r

    e = rec["element"]
    assert e["nodeName"] == "LI" and e["nodeType"] == 1 and e["id"] == "items", r
    assert e["textContent"] == "Banana ripe" and e["innerHTML"] == "Banana <em>ripe</em>", r
    assert e["attrs"] == ["class", "data-price"] and e["attrValue"] == "3.5", r
    assert e["getAttribute"] == "item sale" and e["hasAttribute"] is True, r
    assert (e["childElementCount"], e["children"], e["childNodes"]) == (4, 4, 9), r   # 5 whitespace text nodes
    assert e["firstElementChild"] == "Apple" and e["lastElementChild"] == "Date", r
    assert e["firstChildType"] == 3 and e["firstChildName"] == "#text" and e["nodeValue"] is True, r
    assert e["siblings"] == ["Apple", "Cherry"] and e["parent"] == "items" and e["parentNode"] == "UL", r
    assert e["classList"] == ["item", "first"] and e["className"] == "item first" and e["owner"] == 9, r
    assert (e["qs"], e["qsa"], e["byClass"], e["byTag"]) == ("Cherry", 4, 1, 4), r
    assert e["matches"] and e["contains"] and not e["containsNot"] and e["same"] and not e["equal"], r
    assert e["selection"] == "ripe", r
    url = "https://user:pw@example.com:8443/a/b.html?q=1#frag"
    assert e["toString"] == url, r
    assert e["href"] == [url, "https:", "user", "pw", "example.com:8443", "example.com", "8443", "/a/b.html",
                         "?q=1", "#frag", "https://example.com:8443"], r
    assert e["relHref"] == "/next?page=2#top", r   # parseHTML has no base URL
    assert e["form"] == ["/post", "post", "application/x-www-form-urlencoded", 14], r
    assert e["input"] == ["checkbox", "a", True, "opt", "f"], r
    assert e["select"] == ["Why", 1, 2, "select-one", ["X", "Why"]], r
    assert e["multi"] == ["select-multiple", ["m1", "m3"]], r
    assert e["textarea"] == "line1\nline2" and e["disabled"] is True, r

    assert rec["errors"] == [
        'SyntaxError: invalid selector "li[": expected a name at offset 3',
        'SyntaxError: invalid selector "li:nosuch": unsupported pseudo-class :nosuch at offset 9',
        'SyntaxError: invalid selector "p >": selector ends early at offset 3',
        'SyntaxError: invalid selector "": selector ends early at offset 0',
    ], r


def test_response_html_submit_form_click_link(c6, target):
    r = c6("html/forms.js")
    assert r.code == 0, r
    rec = records(r)
    assert rec["html"] == {"title": "Order form", "inputs": 11, "doc": "/post", "action": f"{target}/post",
                           "link": f"{target}/html", "binary": "Order form"}, r

    s = rec["submit"]
    assert s["status"] == 200 and s["url"] == f"{target}/post" and s["method"] == "POST", r
    # the form's values (checked radio/checkbox, selected option, the submit
    # button's name=value) with the fields over them, sorted by name as k6 sends them
    assert s["body"] == ("action=order&comments=&crust=thick&custemail=&custname=Ann+Lee&custtel="
                         "&delivery=18%3A00&extra=x%26y&size=medium&topping=cheese"), r
    assert s["form"]["custname"] == "Ann Lee" and s["form"]["extra"] == "x&y", r

    s2 = rec["submit2"]
    assert s2["status"] == 200 and s2["header"] == "c6", r
    assert s2["form"]["topping"] == ["bacon", "onion"] and s2["form"]["size"] == "large", r

    g = rec["submitGet"]
    assert g == {"status": 200, "url": f"{target}/get?n=2&q=a+b", "method": "GET", "args": {"n": "2", "q": "a b"}}, r

    assert rec["click"] == {"status": 200, "url": f"{target}/html", "title": "c6 target"}, r
    assert rec["click2"] == {"status": 200, "url": f"{target}/get"}, r
    assert rec["errors"] == [
        # k6: js/modules/k6/http/response.go SubmitForm / ClickLink
        f"no form found for selector '#missing' in response '{target}/forms/post'",
        f"no element found for selector 'a.none' in response '{target}/forms/post'",
        'invalid selector "a[": expected a name at offset 2',
        'invalid selector "form >": selector ends early at offset 6',
    ], r
    # the submitted requests are ordinary requests: counted, tagged
    assert r.count("http_reqs") == 8, r


def test_many_documents_are_collected(c6, tmp_path):
    script = tmp_path / "many.js"
    script.write_text("""
import { parseHTML } from 'k6/html';
export const options = { vus: 2, iterations: 40 };
const page = '<ul>' + '<li class="x">item <b>b</b></li>'.repeat(300) + '</ul>';
export default function () {
  let n = 0;
  for (let k = 0; k < 25; k++) n += parseHTML(page).find('li.x > b').size();
  if (n !== 25 * 300) throw new Error('wrong count ' + n);
}
""")
    r = c6(str(script), with_target=False)
    assert r.code == 0, r
    assert r.count("iterations") == 40, r


def test_uncaught_selector_error_names_the_selector(c6, tmp_path):
    script = tmp_path / "bad.js"
    script.write_text("""
import { parseHTML } from 'k6/html';
export default function () { parseHTML('<p>x</p>').find('p:bogus'); }
""")
    r = c6(str(script), with_target=False)
    assert 'invalid selector \\"p:bogus\\": unsupported pseudo-class :bogus' in r.err, r


def test_library_is_shared_by_a_runtimes_vus(c6_bin, tmp_path):
    """k6/html's JavaScript half (Selection and friends) is compiled once and
    its functions shared by the VUs of a runtime (vm_share_function): each VU
    pays for its own objects only. Peak RSS of 300 VUs with and without the
    import: measured 178 KB a VU with a copy each, 84 with the shared one."""
    body = "export default function () { %s }\n"
    plain, html = tmp_path / "plain.js", tmp_path / "html.js"
    opts = "export const options = { vus: 300, iterations: 300 };\n"
    plain.write_text(opts + body % "")
    html.write_text("import { parseHTML } from 'k6/html';\n" + opts +
                    body % "if (parseHTML('<p>x</p>').find('p').text() !== 'x') throw new Error('text');")
    a = run_c6(c6_bin, str(plain), env=rss_env(), timeout=120)
    b = run_c6(c6_bin, str(html), env=rss_env(), timeout=120)
    assert a.code == 0 and b.code == 0, (a, b)
    per_vu_kb = (b.peak_rss_kb - a.peak_rss_kb) / 300
    print(f"peak RSS at 300 VUs: plain {a.peak_rss_kb} KB, k6/html {b.peak_rss_kb} KB, {per_vu_kb:.0f} KB a VU")
    scale = 2 if "ASAN_OPTIONS" in os.environ else 1   # ASan's redzones (make asan: 152 KB a VU)
    assert per_vu_kb < 130 * scale, (a, b)
