// c6's built-in URL and URLSearchParams for scripts importing jslib's url
// module (https://jslib.k6.io/url/...): the WHATWG API for the http(s)-style
// URLs load tests build, written for c6.

const DEFAULT_PORTS = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443', 'ftp:': '21' };

function encodeComponent(s) {
  return encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function decodeComponent(s) {
  try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; }
}

export class URLSearchParams {
  constructor(init) {
    this._list = [];
    this._url = null;
    if (init instanceof URLSearchParams) {
      this._list = init._list.map(([k, v]) => [k, v]);
    } else if (Array.isArray(init)) {
      for (const pair of init) {
        if (pair.length !== 2) throw new TypeError('URLSearchParams: each pair needs exactly two items');
        this._list.push([String(pair[0]), String(pair[1])]);
      }
    } else if (init && typeof init === 'object') {
      for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
    } else if (init !== undefined && init !== null) {
      this._parse(String(init));
    }
  }
  _parse(s) {
    this._list = [];
    if (s.startsWith('?')) s = s.slice(1);
    for (const part of s.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      this._list.push(eq < 0 ? [decodeComponent(part), ''] : [decodeComponent(part.slice(0, eq)), decodeComponent(part.slice(eq + 1))]);
    }
  }
  _update() { if (this._url) this._url._search = this._list.length ? '?' + this.toString() : ''; }
  get size() { return this._list.length; }
  append(k, v) { this._list.push([String(k), String(v)]); this._update(); }
  delete(k) { this._list = this._list.filter(([n]) => n !== String(k)); this._update(); }
  get(k) { const e = this._list.find(([n]) => n === String(k)); return e ? e[1] : null; }
  getAll(k) { return this._list.filter(([n]) => n === String(k)).map(([, v]) => v); }
  has(k) { return this._list.some(([n]) => n === String(k)); }
  set(k, v) {
    k = String(k);
    const i = this._list.findIndex(([n]) => n === k);
    if (i < 0) this._list.push([k, String(v)]);
    else this._list = this._list.filter(([n], j) => n !== k || j === i).map((e, j, a) => (e[0] === k ? [k, String(v)] : e));
    this._update();
  }
  sort() { this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); this._update(); }
  forEach(fn, self) { for (const [k, v] of this._list) fn.call(self, v, k, this); }
  keys() { return this._list.map(([k]) => k)[Symbol.iterator](); }
  values() { return this._list.map(([, v]) => v)[Symbol.iterator](); }
  entries() { return this._list.map(([k, v]) => [k, v])[Symbol.iterator](); }
  [Symbol.iterator]() { return this.entries(); }
  toString() { return this._list.map(([k, v]) => encodeComponent(k) + '=' + encodeComponent(v)).join('&'); }
}

const URL_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*:)(?:\/\/(?:([^:@/?#]*)(?::([^@/?#]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;

function resolvePath(base, rel) {
  if (rel.startsWith('/')) return rel;
  const dir = base.slice(0, base.lastIndexOf('/') + 1) || '/';
  return dir + rel;
}

function normalizePath(p) {
  const out = [];
  const segs = p.split('/');
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s === '..') { if (out.length > 1) out.pop(); if (i === segs.length - 1) out.push(''); }
    else if (s === '.') { if (i === segs.length - 1) out.push(''); }
    else out.push(s);
  }
  const r = out.join('/');
  return r.startsWith('/') ? r : '/' + r;
}

export class URL {
  constructor(url, base) {
    url = String(url).trim();
    let m = URL_RE.exec(url);
    if (!m && base !== undefined) {
      const b = base instanceof URL ? base : new URL(base);
      let rest = url, hash = '', search = '';
      const h = rest.indexOf('#');
      if (h >= 0) { hash = rest.slice(h); rest = rest.slice(0, h); }
      const q = rest.indexOf('?');
      if (q >= 0) { search = rest.slice(q); rest = rest.slice(0, q); }
      if (url.startsWith('//')) { m = URL_RE.exec(b.protocol + url); }
      else {
        const path = rest === '' ? b.pathname : resolvePath(b.pathname, rest);
        const s = rest === '' && !search ? b.search : search;
        m = URL_RE.exec(b.protocol + '//' + (b.username ? b.username + (b.password ? ':' + b.password : '') + '@' : '') + b.host + path + s + hash);
      }
    }
    if (!m) throw new TypeError(`Invalid URL: ${url}`);
    this._protocol = m[1].toLowerCase();
    this.username = m[2] || '';
    this.password = m[3] || '';
    this.hostname = (m[4] || '').toLowerCase();
    this._port = m[5] || '';
    if (DEFAULT_PORTS[this._protocol] === this._port) this._port = '';
    const special = this._protocol in DEFAULT_PORTS;
    if (special && !this.hostname) throw new TypeError(`Invalid URL: ${url}`);
    this.pathname = special ? normalizePath(m[6] || '/') : m[6] || '';
    this._search = m[7] && m[7] !== '?' ? m[7] : '';
    this.hash = m[8] && m[8] !== '#' ? m[8] : '';
    this._params = new URLSearchParams(this._search);
    this._params._url = this;
  }
  get protocol() { return this._protocol; }
  set protocol(v) { v = String(v); this._protocol = (v.endsWith(':') ? v : v + ':').toLowerCase(); }
  get port() { return this._port; }
  set port(v) { v = String(v); this._port = DEFAULT_PORTS[this._protocol] === v ? '' : v; }
  get host() { return this.hostname + (this._port ? ':' + this._port : ''); }
  set host(v) { const [h, p] = String(v).split(':'); this.hostname = h.toLowerCase(); this.port = p || ''; }
  get origin() { return this._protocol + '//' + this.host; }
  get search() { return this._search; }
  set search(v) {
    v = String(v);
    this._search = v === '' || v === '?' ? '' : v.startsWith('?') ? v : '?' + v;
    this._params._parse(this._search);
  }
  get searchParams() { return this._params; }
  get href() {
    const auth = this.username ? this.username + (this.password ? ':' + this.password : '') + '@' : '';
    return this._protocol + '//' + auth + this.host + this.pathname + this._search + this.hash;
  }
  set href(v) { Object.assign(this, new URL(v)); this._params._url = this; }
  toString() { return this.href; }
  toJSON() { return this.href; }
}

export default { URL, URLSearchParams };
