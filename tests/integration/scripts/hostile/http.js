// One request to __ENV.URL + __ENV.PATH_ that a hostile server answers; logs
// (console.log, one JSON line; the test runs with --log-format=json) what the
// script sees. Env: URL, PATH_ (default "/"), TIMEOUT (default "3s"),
// REDIRECTS (options.maxRedirects; unset: k6's default of 10, with its warning),
// INSECURE (any value: insecureSkipTLSVerify).
import http from 'k6/http';

export const options = { iterations: 1, vus: 1 };
if (__ENV.REDIRECTS !== undefined) options.maxRedirects = Number(__ENV.REDIRECTS);
if (__ENV.INSECURE) options.insecureSkipTLSVerify = true;   // the hostile server's self-signed certificate

export default function () {
    const res = http.get(__ENV.URL + (__ENV.PATH_ || '/'), { timeout: __ENV.TIMEOUT || '3s' });
    const headers = res.headers || {};
    const jar = http.cookieJar().cookiesForURL(__ENV.URL + '/');
    console.log(JSON.stringify({
        status: res.status,
        error: res.error,
        error_code: res.error_code,
        url: res.url,
        headers: Object.keys(headers).length,
        set_cookie: typeof headers['Set-Cookie'] === 'string' ? headers['Set-Cookie'].length : -1,
        body: typeof res.body === 'string' ? res.body : null,
        jar: Object.keys(jar).length,
        jar_names: Object.keys(jar).sort().slice(0, 5),
        jar_value_len: Object.keys(jar).length ? jar[Object.keys(jar)[0]][0].length : -1,
    }));
}
