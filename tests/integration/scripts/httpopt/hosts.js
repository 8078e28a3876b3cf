// options.hosts maps made-up names (exact, wildcard, name:port) to the
// target; blockHostnames and blacklistIPs refuse requests on both the h1
// client and libcurl (userinfo in the URL sends a request through libcurl).
import http from 'k6/http';

const port = __ENV.TARGET.split(':')[2];
export const options = {
  hosts: {
    'made.up.test': `127.0.0.1:${port}`,
    '*.wild.test': '127.0.0.1',
    'other.test:9': `127.0.0.1:${port}`,
  },
  blockHostnames: ['*.blocked.test', 'Exact.Test'],
  blacklistIPs: ['10.66.0.0/16', '127.0.0.2/32'],
};

function rec(r) {
  return { status: r.status, code: r.error_code, error: r.error, ip: r.remote_ip, port: r.remote_port };
}

export default function () {
  const out = {};
  let r = http.get('http://made.up.test/headers');
  out.exact = rec(r);
  out.host = r.json().headers.Host;
  out.wild = rec(http.get(`http://a.b.wild.test:${port}/get`));
  out.keyport = rec(http.get('http://other.test:9/get'));
  out.curl = rec(http.get('http://u:p@made.up.test/basic-auth/u/p'));
  out.blocked = rec(http.get('http://x.blocked.test/get'));
  out.blockedExact = rec(http.get('http://exact.test/get'));
  out.blockedCurl = rec(http.get('http://u:p@y.blocked.test/get'));
  out.blacklisted = rec(http.get(`http://127.0.0.2:${port}/get`));
  out.blacklistedCurl = rec(http.get(`http://u:p@127.0.0.2:${port}/get`));
  console.log(JSON.stringify(out));
}
