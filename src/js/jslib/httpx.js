// jslib's httpx (https://jslib.k6.io/httpx/...), written for c6 after the
// jslib's behaviour (grafana/k6-jslib-httpx, as published in 0.1.0):
// - new Httpx({baseURL, headers, tags, errorMetric, errorMetricCondition,
//   ...any other k6 params}): a session whose headers, tags and other params
//   are merged under each request's (the request's win; headers and tags
//   merged key by key). The options object given is the session's: its
//   baseURL, errorMetricCondition, headers, tags and errorMetric are taken
//   out of it, and addHeader()/addTag() change the headers/tags objects given.
// - A URL not starting with "http" gets baseURL in front; an http.url``
//   object's url is used and its name becomes the name tag.
// - request(method, url, body, params) takes GET HEAD POST PUT DELETE CONNECT
//   OPTIONS TRACE PATCH only; with errorMetric, each response adds
//   !(params.expect || errorMetricCondition)(response) to it (default
//   condition: status 200-399); lastRequest keeps the response and how long
//   the call took.
// - batch([...]) takes [method, url, body, params] arrays and Request objects
//   (new Get(url, params) ..., params.body their body) and skips anything
//   else; baseURL goes in front of every URL there.
import http from 'k6/http';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

const isHttpUrl = (u) => typeof u == 'object' && 'name' in u && 'url' in u && 'clean_url' in u; // eslint-disable-line eqeqeq
const isAbsolute = (u) => u.startsWith('http');

class Request {
  constructor(method, url, params) {
    params = params || {};
    this.method = method;
    this.url = url;
    this.body = params.body || null;
    delete params.body;
    this.params = params;
    if (isHttpUrl(url)) {
      this.url = url.url;
      this.addTag('name', url.name);
    }
  }
  addHeader(name, value) {
    this.params.headers = Object.assign({}, this.params.headers, { [name]: value });
    return this;
  }
  addTag(name, value) {
    this.params.tags = Object.assign({}, this.params.tags, { [name]: value });
    return this;
  }
}

class Get extends Request { constructor(url, params) { super('GET', url, params); } }
class Head extends Request { constructor(url, params) { super('HEAD', url, params); } }
class Post extends Request { constructor(url, params) { super('POST', url, params); } }
class Put extends Request { constructor(url, params) { super('PUT', url, params); } }
class Delete extends Request { constructor(url, params) { super('DELETE', url, params); } }
class Connect extends Request { constructor(url, params) { super('CONNECT', url, params); } }
class Options extends Request { constructor(url, params) { super('OPTIONS', url, params); } }
class Trace extends Request { constructor(url, params) { super('TRACE', url, params); } }
class Patch extends Request { constructor(url, params) { super('PATCH', url, params); } }

function mergeParams(under, over) {
  under = under || {};
  over = over || {};
  const out = Object.assign({}, under, over);
  out.headers = Object.assign({}, under.headers || {}, over.headers || {});
  out.tags = Object.assign({}, under.tags || {}, over.tags || {});
  return out;
}

class Httpx {
  constructor(opts = {}) {
    const {
      baseURL = '',
      errorMetricCondition = (r) => r.status >= 200 && r.status <= 399,
      errorMetric = null,
      headers = {},
      tags = {},
    } = opts;
    for (const k of ['baseURL', 'errorMetricCondition', 'headers', 'tags', 'errorMetric']) delete opts[k];
    this.k6params = Object.assign({ headers, tags }, opts);
    this.baseURL = baseURL;
    this.lastRequest = { responseObject: null, responseChainDuration: null };
    this.errorMetric = errorMetric;
    this.errorMetricCondition = errorMetricCondition;
  }

  postRequestHook(response, params, start, end) {
    if (this.errorMetric) {
      const ok = (params.expect || this.errorMetricCondition)(response);
      this.errorMetric.add(!ok);
    }
    this.lastRequest.responseObject = response;
    this.lastRequest.responseChainDuration = end - start;
  }

  get lastRequestChainDuration() { return this.lastRequest.responseChainDuration; }
  setBaseUrl(baseURL) { this.baseURL = baseURL; }
  addHeaders(headers) { this.k6params.headers = Object.assign(this.k6params.headers, headers); }
  addHeader(name, value) { this.k6params.headers = Object.assign(this.k6params.headers, { [name]: value }); }
  addTags(tags) { this.k6params.tags = Object.assign(this.k6params.tags, tags); }
  addTag(name, value) { this.k6params.tags = Object.assign(this.k6params.tags, { [name]: value }); }
  clearTag(name) { delete this.k6params.tags[name]; }
  clearHeader(name) { delete this.k6params.headers[name]; }
  _merge_params(under, over) { return mergeParams(under, over); }
  _getMergedSessionParams(params) { return mergeParams(this.k6params, params); }
  execute(r) { return this.request(r.method, r.url, r.body, r.params); }

  validateMethod(method) {
    if (!METHODS.includes(method)) throw new Error(`Invalid method: ${method}. Expected one of ${METHODS}`);
  }

  _prepare(what, nargs, method, url, params) {
    if (nargs < 2) throw new Error(`Invalid number of arguments for ${what}(). Provide at least Method and URL.`);
    this.validateMethod(method);
    params = this._getMergedSessionParams(params);
    if (isHttpUrl(url)) {
      params.tags.name = url.name;
      url = url.url;
    }
    if (!isAbsolute(url)) url = this.baseURL + url;
    return [url, params];
  }

  request(method, url, body, params) {
    [url, params] = this._prepare('request', arguments.length, method, url, params);
    const start = new Date();
    const res = http.request(method, url, body, params);
    const end = new Date();
    this.postRequestHook(res, params, start, end);
    return res;
  }

  asyncRequest(method, url, body, params) {
    [url, params] = this._prepare('asyncRequest', arguments.length, method, url, params);
    return http.asyncRequest(method, url, body, params);
  }

  get(url, body, params) { return this.request('GET', url, body, params); }
  head(url, body, params) { return this.request('HEAD', url, body, params); }
  post(url, body, params) { return this.request('POST', url, body, params); }
  put(url, body, params) { return this.request('PUT', url, body, params); }
  delete(url, body, params) { return this.request('DELETE', url, body, params); }
  connect(url, body, params) { return this.request('CONNECT', url, body, params); }
  options(url, body, params) { return this.request('OPTIONS', url, body, params); }
  trace(url, body, params) { return this.request('TRACE', url, body, params); }
  patch(url, body, params) { return this.request('PATCH', url, body, params); }
  asyncGet(url, body, params) { return this.asyncRequest('GET', url, body, params); }
  asyncHead(url, body, params) { return this.asyncRequest('HEAD', url, body, params); }
  asyncPost(url, body, params) { return this.asyncRequest('POST', url, body, params); }
  asyncPut(url, body, params) { return this.asyncRequest('PUT', url, body, params); }
  asyncDelete(url, body, params) { return this.asyncRequest('DELETE', url, body, params); }
  asyncConnect(url, body, params) { return this.asyncRequest('CONNECT', url, body, params); }
  asyncOptions(url, body, params) { return this.asyncRequest('OPTIONS', url, body, params); }
  asyncTrace(url, body, params) { return this.asyncRequest('TRACE', url, body, params); }
  asyncPatch(url, body, params) { return this.asyncRequest('PATCH', url, body, params); }

  batch(requests, shared) {
    const list = [];
    requests.forEach((r) => {
      if (Array.isArray(r)) {
        list.push([r[0], this.baseURL + r[1], r[2] || null, this._getMergedSessionParams(mergeParams(shared, r[3]))]);
      } else if (r instanceof Request) {
        list.push([r.method, this.baseURL + r.url, r.body, this._getMergedSessionParams(mergeParams(shared, r.params))]);
      }
    });
    const start = new Date();
    const res = http.batch(list);
    const end = new Date();
    this.lastRequest.responseObject = res;
    this.lastRequest.responseChainDuration = end - start;
    return res;
  }
}

export { Httpx, Request, Get, Head, Post, Put, Delete, Connect, Options, Trace, Patch };
