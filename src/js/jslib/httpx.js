// c6's built-in version of jslib's httpx (https://jslib.k6.io/httpx/...): a
// session over k6/http with a base URL and default headers, tags and
// timeout, written for c6 from the documented API.
import http from 'k6/http';

export class Httpx {
  constructor(opts = {}) {
    this.baseURL = opts.baseURL || '';
    this.headers = Object.assign({}, opts.headers || {});
    this.tags = Object.assign({}, opts.tags || {});
    this.timeout = opts.timeout;
  }
  setBaseUrl(url) { this.baseURL = url; }
  addHeader(k, v) { this.headers[k] = v; }
  addHeaders(h) { Object.assign(this.headers, h); }
  clearHeader(k) { delete this.headers[k]; }
  addTag(k, v) { this.tags[k] = v; }
  addTags(t) { Object.assign(this.tags, t); }
  clearTag(k) { delete this.tags[k]; }
  _url(u) {
    if (typeof u !== 'string') return u;   // http.url`...` objects pass as they are
    return /^[a-z][a-z0-9+.-]*:\/\//i.test(u) ? u : this.baseURL + u;
  }
  _params(p = {}) {
    const out = Object.assign({}, p);
    out.headers = Object.assign({}, this.headers, p.headers || {});
    out.tags = Object.assign({}, this.tags, p.tags || {});
    if (out.timeout === undefined && this.timeout !== undefined) out.timeout = this.timeout;
    return out;
  }
  request(method, url, body = null, params = {}) { return http.request(method, this._url(url), body, this._params(params)); }
  asyncRequest(method, url, body = null, params = {}) { return http.asyncRequest(method, this._url(url), body, this._params(params)); }
  get(url, body = null, params = {}) { return this.request('GET', url, body, params); }
  head(url, body = null, params = {}) { return this.request('HEAD', url, body, params); }
  options(url, body = null, params = {}) { return this.request('OPTIONS', url, body, params); }
  post(url, body = null, params = {}) { return this.request('POST', url, body, params); }
  put(url, body = null, params = {}) { return this.request('PUT', url, body, params); }
  patch(url, body = null, params = {}) { return this.request('PATCH', url, body, params); }
  delete(url, body = null, params = {}) { return this.request('DELETE', url, body, params); }
  asyncGet(url, body = null, params = {}) { return this.asyncRequest('GET', url, body, params); }
  asyncPost(url, body = null, params = {}) { return this.asyncRequest('POST', url, body, params); }
  asyncPut(url, body = null, params = {}) { return this.asyncRequest('PUT', url, body, params); }
  asyncPatch(url, body = null, params = {}) { return this.asyncRequest('PATCH', url, body, params); }
  asyncDelete(url, body = null, params = {}) { return this.asyncRequest('DELETE', url, body, params); }
  batch(requests, params = {}) {
    const one = (r) => {
      if (typeof r === 'string') return { method: 'GET', url: this._url(r), params: this._params(params) };
      if (Array.isArray(r)) return [r[0], this._url(r[1]), r[2] === undefined ? null : r[2], this._params(Object.assign({}, params, r[3] || {}))];
      return Object.assign({}, r, { url: this._url(r.url), params: this._params(Object.assign({}, params, r.params || {})) });
    };
    if (Array.isArray(requests)) return http.batch(requests.map(one));
    const named = {};
    for (const k of Object.keys(requests)) named[k] = one(requests[k]);
    return http.batch(named);
  }
}

// The helpers the jslib exports next to the class.
export function Request(method, url, params) { return { method, url, params }; }
export function Get(url, params) { return Request('GET', url, params); }
export function Post(url, body, params) { return { method: 'POST', url, body, params }; }
export function Put(url, body, params) { return { method: 'PUT', url, body, params }; }
export function Patch(url, body, params) { return { method: 'PATCH', url, body, params }; }
export function Delete(url, params) { return Request('DELETE', url, params); }

export default { Httpx, Request, Get, Post, Put, Patch, Delete };
