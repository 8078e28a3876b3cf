// Response.html(), submitForm() and clickLink() against the target's
// /forms/post and /html pages; bad selectors and missing forms throw.
import http from 'k6/http';

const T = __ENV.TARGET;
function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }

export default function () {
  const page = http.get(`${T}/forms/post`);
  log('html', {
    title: page.html('title').text(),
    inputs: page.html('input').size(),
    doc: page.html().find('form').attr('action'),
    action: page.html('form').get(0).action(),
    link: page.html('a#home').get(0).href(),
    binary: http.get(`${T}/forms/post`, { responseType: 'binary' }).html('title').text(),
  });

  let r = page.submitForm({ fields: { custname: 'Ann Lee', extra: 'x&y' } });
  log('submit', { status: r.status, url: r.url, method: r.request.method, body: r.request.body, form: r.json().form });

  r = page.submitForm({
    formSelector: 'form', submitSelector: 'button[value=order]',
    fields: { topping: ['bacon', 'onion'], size: 'large' },
    params: { headers: { 'X-Test': 'c6' }, tags: { name: 'order' } },
  });
  log('submit2', { status: r.status, form: r.json().form, header: r.json().headers['X-Test'] });

  // a GET form puts the fields in the query string, replacing the action's
  const getPage = http.post(`${T}/anything`, null, { responseType: 'text' });
  const fake = Object.create(Object.getPrototypeOf(getPage));
  Object.assign(fake, { url: `${T}/anything/start`, status: 200,
    body: '<form action="../get?old=1#frag"><input name="q" value="a b"><input name="n" value="1"></form>' });
  r = fake.submitForm({ fields: { n: '2' } });
  log('submitGet', { status: r.status, url: r.url, method: r.request.method, args: r.json().args });

  r = page.clickLink({ selector: '#home' });
  log('click', { status: r.status, url: r.url, title: r.html('title').text() });
  r = r.clickLink();   // the first a[href] of /html: /get
  log('click2', { status: r.status, url: r.url });

  const errors = [];
  const tries = [
    () => page.submitForm({ formSelector: '#missing' }),
    () => page.clickLink({ selector: 'a.none' }),
    () => page.clickLink({ selector: 'a[' }),
    () => page.html('form >'),
  ];
  for (const t of tries) {
    try { t(); errors.push('no error'); } catch (e) { errors.push(e.message); }
  }
  log('errors', errors);
}
