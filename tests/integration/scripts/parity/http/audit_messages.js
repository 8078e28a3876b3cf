// k6/http's user-visible errors, k6's texts (sources in test_parity_http.py).
import http from 'k6/http';
const T = __ENV.TARGET;
export const options = { iterations: 1 };
function thrown(f) {
  try { f(); return null; } catch (e) { return `${e.name}: ${e.message}`; }
}
export default function () {
  console.log('es ' + JSON.stringify([
    thrown(() => http.expectedStatuses()),
    thrown(() => http.expectedStatuses(200, 'x')),
    thrown(() => http.expectedStatuses({ min: 200 })),
    thrown(() => http.expectedStatuses({ min: 200, max: 'a' })),
    thrown(() => http.expectedStatuses(200.5)),
    thrown(() => http.setResponseCallback(5)),
    thrown(() => http.batch(5)),
    thrown(() => http.batch([], [])),
  ]));
  const rs = [
    http.get(`${T}/get`, { timeout: '5x' }),
    http.get(`${T}/get`, { responseType: 'blob' }),
    http.post(`${T}/post`, true),
    http.post(`${T}/post`, [1, 2]),
    http.get(`${T}/get`, { responseCallback: () => true }),
    http.get(),
    http.request('GET', 42),
  ];
  console.log('parse ' + JSON.stringify(rs.map((r) => [r.status, r.error_code, r.error])));
  const none = http.get(`${T}/html`, { responseType: 'none' });
  const page = http.get(`${T}/html`);
  console.log('html ' + JSON.stringify([
    thrown(() => none.html()),
    thrown(() => page.submitForm({ formSelector: '#nope' })),
    thrown(() => page.clickLink({ selector: 'p.intro' })),
    thrown(() => page.clickLink({ selector: 'a.nope' })),
  ]));
  const ok = http.get(`${T}/get`, { auth: 'kerberos' });   // ignored, as k6 does
  console.log('auth ' + JSON.stringify(ok.status));
}
