// k6/html's Selection and Element, and Response.html/submitForm/clickLink,
// over the natives of html.c (N). A node is a pre-order index into its
// document (html/html.h), so a Selection is a document handle plus a sorted
// array of integers. Built into c6 (Makefile turns this file into a C string).
(function (N, request) {
  'use strict';
  const ELEMENT = 1, TEXT = 3, COMMENT = 8, DOCUMENT = 9;
  const DOC = Symbol('doc'), NODES = Symbol('nodes'), URL = Symbol('url'), IDX = Symbol('idx');

  // Each node once, in the order the traversal met it (as goquery: parents()
  // and prevAll() list the nearest first).
  function uniq(arr) { return Array.from(new Set(arr)); }
  const isEl = (d, i) => i >= 0 && N.type(d, i) === ELEMENT;

  function elementParent(d, i) { const p = N.parent(d, i); return isEl(d, p) ? p : -1; }
  function siblingEl(d, i, dir) {
    do i = dir > 0 ? N.next(d, i) : N.prev(d, i); while (i >= 0 && !isEl(d, i));
    return i;
  }
  function childNodes(d, i) {
    const out = [];
    for (let c = N.first(d, i); c >= 0; c = N.next(d, c)) out.push(c);
    return out;
  }

  function selectorText(s, what) {
    if (typeof s !== 'string') throw new TypeError(`${what}: the selector must be a string`);
    return s;
  }

  // ---- Selection ----

  class Selection {
    constructor(d, nodes, url) {
      Object.defineProperty(this, DOC, { value: d });
      Object.defineProperty(this, NODES, { value: nodes });
      Object.defineProperty(this, URL, { value: url });
    }
    _new(nodes) { return new Selection(this[DOC], nodes, this[URL]); }
    _filtered(nodes, s) { return s === undefined || s === null ? this._new(nodes) : this._new(N.filter(this[DOC], nodes, selectorText(s, 'filter'))); }
    _tester(s, what) {
      const d = this[DOC];
      if (typeof s === 'string') return (i) => N.match(d, i, s);
      if (typeof s === 'function') return (i, k) => !!s.call(null, k, this._new([i]));
      if (s instanceof Selection) { const set = new Set(s[NODES]); return (i) => set.has(i); }
      if (s instanceof Element) return (i) => i === s[IDX];
      throw new TypeError(`${what}() takes a selector string, a function or a Selection`);
    }

    size() { return this[NODES].length; }
    get length() { return this[NODES].length; }

    find(s) {
      selectorText(s, 'find');
      return this._new(N.find(this[DOC], this[NODES], s));
    }
    children(s) {
      const d = this[DOC], out = [];
      for (const i of this[NODES]) for (const c of childNodes(d, i)) if (isEl(d, c)) out.push(c);
      return this._filtered(uniq(out), s);
    }
    contents() {
      const d = this[DOC], out = [];
      for (const i of this[NODES]) out.push(...childNodes(d, i));
      return this._new(uniq(out));
    }
    closest(s) {
      selectorText(s, 'closest');
      const d = this[DOC], out = [];
      for (const i of this[NODES]) { const c = N.closest(d, i, s); if (c >= 0) out.push(c); }
      return this._new(uniq(out));
    }
    parent(s) {
      const d = this[DOC], out = [];
      for (const i of this[NODES]) { const p = elementParent(d, i); if (p >= 0) out.push(p); }
      return this._filtered(uniq(out), s);
    }
    parents(s) { return this._ancestors(undefined, s); }
    parentsUntil(until, s) { return this._ancestors(until === undefined ? undefined : this._tester(until, 'parentsUntil'), s); }
    _ancestors(stop, s) {
      const d = this[DOC], out = [];
      for (const i of this[NODES])
        for (let p = elementParent(d, i); p >= 0; p = elementParent(d, p)) {
          if (stop && stop(p)) break;
          out.push(p);
        }
      return this._filtered(uniq(out), s);
    }
    _siblings(dir, all, stop, s) {
      const d = this[DOC], out = [];
      for (const i of this[NODES])
        for (let k = siblingEl(d, i, dir); k >= 0; k = siblingEl(d, k, dir)) {
          if (stop && stop(k)) break;
          out.push(k);
          if (!all) break;
        }
      return this._filtered(uniq(out), s);
    }
    next(s) { return this._siblings(1, false, null, s); }
    nextAll(s) { return this._siblings(1, true, null, s); }
    nextUntil(until, s) { return this._siblings(1, true, until === undefined ? null : this._tester(until, 'nextUntil'), s); }
    prev(s) { return this._siblings(-1, false, null, s); }
    prevAll(s) { return this._siblings(-1, true, null, s); }
    prevUntil(until, s) { return this._siblings(-1, true, until === undefined ? null : this._tester(until, 'prevUntil'), s); }

    eq(k) {
      const n = this[NODES];
      k = Math.trunc(Number(k));
      if (k < 0) k += n.length;
      return this._new(k >= 0 && k < n.length ? [n[k]] : []);
    }
    first() { return this.eq(0); }
    last() { return this.eq(-1); }
    slice(start, end) { return this._new(this[NODES].slice(start, end)); }
    get(k) {
      const n = this[NODES];
      if (k === undefined) return n.map((i) => makeElement(this[DOC], i, this[URL]));
      k = Math.trunc(Number(k));
      if (k < 0) k += n.length;
      return k >= 0 && k < n.length ? makeElement(this[DOC], n[k], this[URL]) : undefined;
    }
    toArray() { return this[NODES].map((i) => this._new([i])); }
    each(fn) {
      if (typeof fn !== 'function') throw new TypeError('each() takes a function');
      this[NODES].forEach((i, k) => fn.call(null, k, makeElement(this[DOC], i, this[URL])));
    }
    map(fn) {
      if (typeof fn !== 'function') throw new TypeError('map() takes a function');
      return this[NODES].map((i, k) => fn.call(null, k, this._new([i])));
    }
    filter(s) {
      const t = this._tester(s, 'filter');
      return this._new(this[NODES].filter((i, k) => t(i, k)));
    }
    not(s) {
      const t = this._tester(s, 'not');
      return this._new(this[NODES].filter((i, k) => !t(i, k)));
    }
    is(s) {
      const t = this._tester(s, 'is');
      return this[NODES].some((i, k) => t(i, k));
    }
    has(s) {
      selectorText(s, 'has');
      const d = this[DOC];
      return this._new(this[NODES].filter((i) => N.find(d, [i], s).length > 0));
    }

    attr(name, def) {
      const d = this[DOC], n = this[NODES];
      const v = n.length ? N.attr(d, n[0], String(name).toLowerCase()) : undefined;
      return v === undefined ? def : v;
    }
    html() { const n = this[NODES]; return n.length ? N.inner(this[DOC], n[0]) : undefined; }
    text() { let t = ''; for (const i of this[NODES]) t += N.text(this[DOC], i); return t; }
    val() { const n = this[NODES]; return n.length ? nodeValue(this[DOC], n[0]) : undefined; }
    data(key) {
      const n = this[NODES];
      if (!n.length || !isEl(this[DOC], n[0])) return undefined;
      const attrs = N.attrs(this[DOC], n[0]);
      if (key === undefined) {
        const out = {};
        for (const [k, v] of attrs)
          if (k.startsWith('data-')) out[k.slice(5).replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = dataValue(v);
        return out;
      }
      const want = 'data-' + String(key).replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
      for (const [k, v] of attrs) if (k === want) return dataValue(v);
      return undefined;
    }

    serializeArray() {
      const d = this[DOC], out = [];
      const fields = [];
      for (const i of this[NODES]) {
        if (N.tag(d, i) === 'form') fields.push(...N.find(d, [i], 'input,select,textarea,keygen'));
        else if (N.match(d, i, 'input,select,textarea,keygen')) fields.push(i);
      }
      for (const i of uniq(fields)) {
        const name = N.attr(d, i, 'name');
        if (!name || N.match(d, i, ':disabled')) continue;
        const tag = N.tag(d, i), type = (N.attr(d, i, 'type') || '').toLowerCase();
        if (tag === 'input') {
          if (['submit', 'button', 'image', 'reset', 'file'].includes(type)) continue;
          if ((type === 'checkbox' || type === 'radio') && N.attr(d, i, 'checked') === undefined) continue;
        }
        const v = nodeValue(d, i);
        const values = Array.isArray(v) ? v : [v];
        for (const x of values) out.push({ name, value: String(x).replace(/\r?\n/g, '\r\n') });
      }
      return out;
    }
    serializeObject() {
      const out = {};
      for (const { name, value } of this.serializeArray()) {
        if (!Object.prototype.hasOwnProperty.call(out, name)) out[name] = value;
        else if (Array.isArray(out[name])) out[name].push(value);
        else out[name] = [out[name], value];
      }
      return out;
    }
    serialize() {
      return this.serializeArray().map((f) => formEncode(f.name) + '=' + formEncode(f.value)).join('&');
    }
  }

  function formEncode(s) { return encodeURIComponent(s).replace(/%20/g, '+'); }

  // data-* values as jQuery converts them: JSON-looking text, numbers, booleans, null.
  function dataValue(v) {
    if (v === 'true') return true;
    if (v === 'false') return false;
    if (v === 'null') return null;
    if (v !== '' && String(Number(v)) === v) return Number(v);
    if (/^(?:\{[\s\S]*\}|\[[\s\S]*\])$/.test(v)) { try { return JSON.parse(v); } catch (e) { /* text */ } }
    return v;
  }

  // val(): inputs (checkbox/radio without value: "on"), select (an array
  // when multiple), textarea, option; undefined for other elements.
  function nodeValue(d, i) {
    switch (N.tag(d, i)) {
    case 'input': {
      const v = N.attr(d, i, 'value');
      if (v !== undefined) return v;
      const t = (N.attr(d, i, 'type') || '').toLowerCase();
      return t === 'checkbox' || t === 'radio' ? 'on' : '';
    }
    case 'button': return N.attr(d, i, 'value') || '';
    case 'textarea': return N.text(d, i);
    case 'option': { const v = N.attr(d, i, 'value'); return v !== undefined ? v : N.text(d, i).trim(); }
    case 'select': {
      const opts = N.find(d, [i], 'option');
      const chosen = opts.filter((o) => N.attr(d, o, 'selected') !== undefined);
      if (N.attr(d, i, 'multiple') !== undefined) return chosen.map((o) => nodeValue(d, o));
      const o = chosen.length ? chosen[chosen.length - 1] : opts[0];
      return o === undefined ? '' : nodeValue(d, o);
    }
    default: return undefined;
    }
  }

  // ---- URLs ----

  function resolveURL(base, ref) {
    if (ref === undefined) return undefined;
    if (!base) return ref;
    const r = N.resolve(base, ref);
    return r === undefined ? ref : r;
  }
  const URL_RE = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*:))?(?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?)?([^?#]*)(\?[^#]*)?(#.*)?$/;
  function urlParts(u) {
    const m = URL_RE.exec(u || '') || [];
    const p = { protocol: m[1] || '', username: m[2] || '', password: m[3] || '', hostname: m[4] || '',
      port: m[5] || '', pathname: m[6] || '', search: m[7] && m[7] !== '?' ? m[7] : '', hash: m[8] && m[8] !== '#' ? m[8] : '' };
    p.host = p.hostname + (p.port ? ':' + p.port : '');
    p.origin = p.protocol && p.host ? p.protocol + '//' + p.host : '';
    return p;
  }

  // ---- Element ----

  function makeElement(d, i, url) {
    if (i < 0 || i === undefined) return undefined;
    const tag = N.tag(d, i);
    const cls = (tag && ELEMENT_CLASSES[tag]) || Element;
    return new cls(d, i, url);
  }
  const opt = (d, i, url) => (i >= 0 ? makeElement(d, i, url) : undefined);

  class Attribute {
    constructor(owner, name, value) {
      this.name = name;
      this.value = value;
      Object.defineProperty(this, 'ownerElement', { value: owner, enumerable: false });
    }
    localName() { const k = this.name.indexOf(':'); return k < 0 ? this.name : this.name.slice(k + 1); }
    prefix() { const k = this.name.indexOf(':'); return k < 0 ? '' : this.name.slice(0, k); }
    namespaceURI() { return ''; }
  }

  class Element {
    constructor(d, i, url) {
      Object.defineProperty(this, DOC, { value: d });
      Object.defineProperty(this, IDX, { value: i });
      Object.defineProperty(this, URL, { value: url });
    }
    _el(i) { return opt(this[DOC], i, this[URL]); }
    _els(list) { return list.map((i) => makeElement(this[DOC], i, this[URL])); }
    _attr(name) { return N.attr(this[DOC], this[IDX], name); }
    _url(name) { const v = this._attr(name); return v === undefined ? '' : resolveURL(this[URL], v.trim()); }

    selection() { return new Selection(this[DOC], [this[IDX]], this[URL]); }
    nodeName() {
      const t = N.type(this[DOC], this[IDX]);
      if (t === ELEMENT) return N.tag(this[DOC], this[IDX]).toUpperCase();
      return t === TEXT ? '#text' : t === COMMENT ? '#comment' : '#document';
    }
    nodeType() { return N.type(this[DOC], this[IDX]); }
    nodeValue() {
      const t = N.type(this[DOC], this[IDX]);
      return t === TEXT || t === COMMENT ? N.data(this[DOC], this[IDX]) : undefined;
    }
    id() { return this._attr('id') || ''; }
    innerHTML() { return N.inner(this[DOC], this[IDX]); }
    textContent() { return N.text(this[DOC], this[IDX]); }
    ownerDocument() { return this._el(0); }
    attributes() {
      const out = {};
      if (N.type(this[DOC], this[IDX]) === ELEMENT)
        for (const [k, v] of N.attrs(this[DOC], this[IDX])) out[k] = new Attribute(this, k, v);
      return out;
    }
    getAttribute(name) { return this._attr(String(name).toLowerCase()); }
    getAttributeNode(name) {
      const k = String(name).toLowerCase(), v = this._attr(k);
      return v === undefined ? undefined : new Attribute(this, k, v);
    }
    hasAttribute(name) { return this._attr(String(name).toLowerCase()) !== undefined; }
    hasAttributes() { return N.type(this[DOC], this[IDX]) === ELEMENT && N.attrs(this[DOC], this[IDX]).length > 0; }
    hasChildNodes() { return N.first(this[DOC], this[IDX]) >= 0; }
    firstChild() { return this._el(N.first(this[DOC], this[IDX])); }
    lastChild() { return this._el(N.last(this[DOC], this[IDX])); }
    childNodes() { return this._els(childNodes(this[DOC], this[IDX])); }
    children() { return this._els(childNodes(this[DOC], this[IDX]).filter((c) => isEl(this[DOC], c))); }
    childElementCount() { return childNodes(this[DOC], this[IDX]).filter((c) => isEl(this[DOC], c)).length; }
    firstElementChild() { return this._el(childNodes(this[DOC], this[IDX]).find((c) => isEl(this[DOC], c))); }
    lastElementChild() { const c = childNodes(this[DOC], this[IDX]).filter((k) => isEl(this[DOC], k)); return this._el(c[c.length - 1]); }
    previousSibling() { return this._el(N.prev(this[DOC], this[IDX])); }
    nextSibling() { return this._el(N.next(this[DOC], this[IDX])); }
    previousElementSibling() { return this._el(siblingEl(this[DOC], this[IDX], -1)); }
    nextElementSibling() { return this._el(siblingEl(this[DOC], this[IDX], 1)); }
    parentElement() { return this._el(elementParent(this[DOC], this[IDX])); }
    parentNode() { return this._el(N.parent(this[DOC], this[IDX])); }
    classList() { return (this._attr('class') || '').split(/\s+/).filter((c) => c); }
    className() { return this._attr('class'); }
    lang() { return this._attr('lang'); }
    namespaceURI() { return 'http://www.w3.org/1999/xhtml'; }
    isDefaultNamespace(ns) { return ns === undefined || ns === 'http://www.w3.org/1999/xhtml'; }
    isSameNode(o) { return o instanceof Element && o[DOC] === this[DOC] && o[IDX] === this[IDX]; }
    isEqualNode(o) { return o instanceof Element && N.outer(o[DOC], o[IDX]) === N.outer(this[DOC], this[IDX]); }
    contains(o) {
      if (!(o instanceof Element) || o[DOC] !== this[DOC]) return false;
      return o[IDX] >= this[IDX] && o[IDX] < N.end(this[DOC], this[IDX]);
    }
    matches(s) { return N.match(this[DOC], this[IDX], selectorText(s, 'matches')); }
    querySelector(s) { return this._el(N.find(this[DOC], [this[IDX]], selectorText(s, 'querySelector'))[0]); }
    querySelectorAll(s) { return this._els(N.find(this[DOC], [this[IDX]], selectorText(s, 'querySelectorAll'))); }
    getElementsByTagName(name) { return this.querySelectorAll(String(name).toLowerCase() === '*' ? '*' : cssName(name)); }
    getElementsByClassName(names) {
      const list = String(names).split(/\s+/).filter((c) => c);
      if (!list.length) return [];
      return this.querySelectorAll(list.map((c) => '.' + cssName(c)).join(''));
    }
    toString() { return `[object ${this.constructor.domName || 'HTMLElement'}]`; }

    // form-associated helpers (used by the subclasses)
    _form() {
      const d = this[DOC], f = this._attr('form');
      if (f !== undefined) { const byId = N.find(d, [0], `form[id="${cssString(f)}"]`); return this._el(byId[0]); }
      return this._el(N.closest(d, this[IDX], 'form'));
    }
    _labels() {
      const d = this[DOC], id = this._attr('id'), out = [];
      if (id) out.push(...N.find(d, [0], `label[for="${cssString(id)}"]`));
      for (let p = elementParent(d, this[IDX]); p >= 0; p = elementParent(d, p)) if (N.tag(d, p) === 'label') out.push(p);
      return this._els(uniq(out));
    }
  }

  const cssName = (s) => String(s).replace(/[^a-zA-Z0-9_\u0080-\uffff-]/g, (c) => '\\' + c);
  const cssString = (s) => String(s).replace(/["\\]/g, (c) => '\\' + c);

  // Specialized elements: which attributes each reflects, and how.
  //   s: string (absent -> ""), b: boolean (present), u: URL resolved against
  //   the document's URL, n: integer (absent or bad -> default).
  const SPECS = {
    a: { dom: 'HTMLAnchorElement', href: true, s: ['download', 'hreflang', 'media', 'rel', 'target', 'type', 'referrerPolicy'] },
    area: { dom: 'HTMLAreaElement', href: true, s: ['alt', 'coords', 'download', 'hreflang', 'media', 'rel', 'shape', 'target', 'type', 'referrerPolicy'] },
    base: { dom: 'HTMLBaseElement', u: ['href'], s: ['target'] },
    button: { dom: 'HTMLButtonElement', field: true, s: ['name', 'value'], b: ['autofocus', 'disabled'] },
    form: { dom: 'HTMLFormElement', s: ['name', 'target', 'autocomplete'], b: ['noValidate'] },
    iframe: { dom: 'HTMLIFrameElement', u: ['src'], s: ['name', 'allow', 'srcdoc', 'width', 'height', 'referrerPolicy'] },
    img: { dom: 'HTMLImageElement', u: ['src'], s: ['alt', 'crossOrigin', 'sizes', 'srcset', 'useMap', 'referrerPolicy'], b: ['isMap'], n: { width: 0, height: 0 } },
    input: { dom: 'HTMLInputElement', field: true, u: ['src'], s: ['name', 'accept', 'alt', 'autocomplete', 'max', 'min', 'pattern', 'placeholder', 'step', 'dirName'],
      b: ['autofocus', 'disabled', 'multiple', 'readOnly', 'required', 'checked'], n: { maxLength: -1, minLength: -1, size: 20 } },
    label: { dom: 'HTMLLabelElement' },
    legend: { dom: 'HTMLLegendElement' },
    li: { dom: 'HTMLLIElement', n: { value: 0 } },
    link: { dom: 'HTMLLinkElement', u: ['href'], s: ['crossOrigin', 'hreflang', 'media', 'rel', 'sizes', 'type', 'referrerPolicy'], b: ['disabled'] },
    meta: { dom: 'HTMLMetaElement', s: ['content', 'name', 'charset'] },
    optgroup: { dom: 'HTMLOptGroupElement', s: ['label'], b: ['disabled'] },
    option: { dom: 'HTMLOptionElement', b: ['defaultSelected'] },
    script: { dom: 'HTMLScriptElement', u: ['src'], s: ['type', 'charset', 'crossOrigin', 'integrity', 'referrerPolicy'], b: ['async', 'defer', 'noModule'] },
    select: { dom: 'HTMLSelectElement', field: true, s: ['name'], b: ['autofocus', 'disabled', 'multiple', 'required'] },
    style: { dom: 'HTMLStyleElement', s: ['media'] },
    textarea: { dom: 'HTMLTextAreaElement', field: true, s: ['name', 'placeholder', 'wrap', 'autocomplete'], b: ['autofocus', 'disabled', 'readOnly', 'required'],
      n: { cols: 20, rows: 2, maxLength: -1, minLength: -1 } },
    title: { dom: 'HTMLTitleElement' },
    fieldset: { dom: 'HTMLFieldSetElement', s: ['name'], b: ['disabled'] },
  };
  const attrName = (prop) => ({ defaultSelected: 'selected', htmlFor: 'for', useMap: 'usemap' })[prop] || prop.toLowerCase();

  // Methods by element, beyond the reflected attributes.
  const EXTRA = {
    a: { text() { return N.text(this[DOC], this[IDX]); }, toString() { return this.href(); } },
    area: { toString() { return this.href(); } },
    button: { type() { const t = (this._attr('type') || '').toLowerCase(); return ['submit', 'reset', 'button'].includes(t) ? t : 'submit'; } },
    form: {
      action() { const a = this._attr('action'); return a ? resolveURL(this[URL], a.trim()) : (this[URL] || ''); },
      method() { return (this._attr('method') || '').toLowerCase() === 'post' ? 'post' : 'get'; },
      enctype() { return formEnctype(this._attr('enctype')); },
      encoding() { return this.enctype(); },
      acceptCharset() { return this._attr('accept-charset') || ''; },
      elements() { return this._els(formElements(this[DOC], this[IDX])); },
      length() { return formElements(this[DOC], this[IDX]).length; },
    },
    input: {
      type() { return (this._attr('type') || 'text').toLowerCase(); },
      value() { return nodeValue(this[DOC], this[IDX]); },
      defaultValue() { return this._attr('value') || ''; },
      defaultChecked() { return this._attr('checked') !== undefined; },
      list() { const id = this._attr('list'); return id ? this._el(N.find(this[DOC], [0], `datalist[id="${cssString(id)}"]`)[0]) : undefined; },
    },
    label: {
      htmlFor() { return this._attr('for') || ''; },
      control() {
        const f = this._attr('for'), d = this[DOC];
        if (f !== undefined) return this._el(N.find(d, [0], `[id="${cssString(f)}"]`)[0]);
        return this._el(N.find(d, [this[IDX]], 'button,input:not([type=hidden]),meter,output,progress,select,textarea')[0]);
      },
      form() { const c = this.control(); return c && c._form ? c._form() : undefined; },
    },
    legend: { form() { const p = elementParent(this[DOC], this[IDX]); return p >= 0 && N.tag(this[DOC], p) === 'fieldset' ? this._el(p)._form() : undefined; } },
    option: {
      disabled() { return N.match(this[DOC], this[IDX], ':disabled'); },
      form() { const s = N.closest(this[DOC], this[IDX], 'select'); return s >= 0 ? this._el(s)._form() : undefined; },
      index() { const s = N.closest(this[DOC], this[IDX], 'select,datalist'); return s >= 0 ? N.find(this[DOC], [s], 'option').indexOf(this[IDX]) : 0; },
      label() { const l = this._attr('label'); return l !== undefined ? l : N.text(this[DOC], this[IDX]).trim(); },
      text() { return N.text(this[DOC], this[IDX]).trim(); },
      value() { return nodeValue(this[DOC], this[IDX]); },
      selected() { return this._attr('selected') !== undefined; },
    },
    script: { text() { return N.text(this[DOC], this[IDX]); } },
    select: {
      options() { return this._els(N.find(this[DOC], [this[IDX]], 'option')); },
      length() { return N.find(this[DOC], [this[IDX]], 'option').length; },
      selectedOptions() { return this._els(N.find(this[DOC], [this[IDX]], 'option[selected]')); },
      selectedIndex() {
        const opts = N.find(this[DOC], [this[IDX]], 'option');
        const sel = opts.filter((o) => N.attr(this[DOC], o, 'selected') !== undefined);
        if (sel.length) return opts.indexOf(this._attr('multiple') !== undefined ? sel[0] : sel[sel.length - 1]);
        return opts.length && this._attr('multiple') === undefined ? 0 : -1;
      },
      size() { const n = parseInt(this._attr('size'), 10); return n > 0 ? n : 0; },
      type() { return this._attr('multiple') !== undefined ? 'select-multiple' : 'select-one'; },
      value() { const v = nodeValue(this[DOC], this[IDX]); return Array.isArray(v) ? (v[0] || '') : v; },
    },
    textarea: {
      type() { return 'textarea'; },
      value() { return N.text(this[DOC], this[IDX]); },
      defaultValue() { return N.text(this[DOC], this[IDX]); },
      length() { return N.text(this[DOC], this[IDX]).length; },
    },
    title: { text() { return N.text(this[DOC], this[IDX]); } },
    fieldset: {
      type() { return 'fieldset'; },
      form() { return this._form(); },
      elements() { return this._els(N.find(this[DOC], [this[IDX]], 'button,fieldset,input,object,output,select,textarea')); },
      validity() { return undefined; },
    },
  };
  const FIELD = {
    form() { return this._form(); },
    labels() { return this._labels(); },
    formAction() { const a = this._attr('formaction'); return a ? resolveURL(this[URL], a.trim()) : (this._form() ? this._form().action() : ''); },
    formEnctype() { const e = this._attr('formenctype'); return e !== undefined ? formEnctype(e) : ''; },
    formMethod() { const m = (this._attr('formmethod') || '').toLowerCase(); return m === 'post' || m === 'get' ? m : ''; },
    formNoValidate() { return this._attr('formnovalidate') !== undefined; },
    formTarget() { return this._attr('formtarget') || ''; },
  };
  const HREF = {
    href() { return this._url('href'); },
    relList() { return (this._attr('rel') || '').split(/\s+/).filter((r) => r); },
  };
  for (const part of ['hash', 'host', 'hostname', 'origin', 'password', 'pathname', 'port', 'protocol', 'search', 'username'])
    HREF[part] = function () { return urlParts(this.href())[part]; };
  EXTRA.link = { relList: HREF.relList };

  function formEnctype(e) {
    e = (e || '').toLowerCase();
    return e === 'multipart/form-data' || e === 'text/plain' ? e : 'application/x-www-form-urlencoded';
  }
  function formElements(d, f) {
    return N.find(d, [0], 'button,fieldset,input,object,output,select,textarea')
      .filter((i) => { const e = makeElement(d, i, ''); return e._form() && e._form()[IDX] === f; })
      .filter((i) => !(N.tag(d, i) === 'input' && (N.attr(d, i, 'type') || '').toLowerCase() === 'image'));
  }

  const ELEMENT_CLASSES = {};
  for (const tag of Object.keys(SPECS)) {
    const spec = SPECS[tag];
    const cls = class extends Element {};
    cls.domName = spec.dom;
    const proto = cls.prototype;
    for (const p of spec.s || []) proto[p] = function () { const v = this._attr(attrName(p)); return v === undefined ? '' : v; };
    for (const p of spec.b || []) proto[p] = function () { return this._attr(attrName(p)) !== undefined; };
    for (const p of spec.u || []) proto[p] = function () { return this._url(attrName(p)); };
    for (const [p, def] of Object.entries(spec.n || {}))
      proto[p] = function () { const n = parseInt(this._attr(attrName(p)), 10); return Number.isNaN(n) ? def : n; };
    if (spec.href) Object.assign(proto, HREF);
    if (spec.field) Object.assign(proto, FIELD);
    for (const [k, fn] of Object.entries(EXTRA[tag] || {})) proto[k] = fn;
    ELEMENT_CLASSES[tag] = cls;
  }

  // ---- entry points ----

  function parseHTML(src, url) {
    if (src === undefined || src === null) src = '';
    return new Selection(N.parse(String(src)), [0], url || '');
  }

  // errors of k6's Go code (js/modules/k6/http/response.go), thrown as sobek throws them
  function goError(msg) { const e = new Error(msg); e.name = 'GoError'; return e; }

  function responseHTML(res, selector) {
    const b = res.body;   // a binary body (responseType 'binary') is parsed as its bytes
    if (b === null || b === undefined)
      throw goError("the body is null so we can't transform it to HTML - this likely was because of a request error getting the response");
    const doc = new Selection(N.parse(b instanceof ArrayBuffer ? b : String(b)),
      [0], res.url || '');
    return selector === undefined ? doc : doc.find(selector);
  }

  function queryString(values) {
    const parts = [];
    for (const k of Object.keys(values).sort()) {
      const v = values[k];
      for (const x of Array.isArray(v) ? v : [v]) parts.push(formEncode(k) + '=' + formEncode(String(x)));
    }
    return parts.join('&');
  }

  function submitForm(res, opts) {
    opts = opts || {};
    const formSelector = opts.formSelector || 'form';
    const submitSelector = opts.submitSelector || '[type="submit"]';
    const form = responseHTML(res).find(formSelector).first();
    if (!form.size()) throw goError(`no form found for selector '${formSelector}' in response '${res.url}'`);
    const method = (form.attr('method') || 'GET').toUpperCase();
    const action = form.attr('action');
    let url = action === undefined || action.trim() === '' ? res.url : resolveURL(res.url, action.trim());
    const values = form.serializeObject();
    const submit = form.find(submitSelector).first();
    if (submit.size()) {
      const name = submit.attr('name');
      if (name) values[name] = submit.val() === undefined ? '' : String(submit.val());
    }
    const fields = opts.fields || {};
    for (const k of Object.keys(fields)) values[k] = fields[k];
    if (method === 'GET') {
      url = url.replace(/#.*$/, '').replace(/\?.*$/, '') + '?' + queryString(values);
      return request('GET', url, null, opts.params);
    }
    return request(method, url, values, opts.params);
  }

  function clickLink(res, opts) {
    opts = opts || {};
    const selector = opts.selector || 'a[href]';
    const link = responseHTML(res).find(selector).first();
    if (!link.size()) throw goError(`no element found for selector '${selector}' in response '${res.url}'`);
    const href = link.attr('href');
    if (href === undefined) throw goError(`no valid href attribute value found on element '${selector}' in response '${res.url}'`);
    return request('GET', resolveURL(res.url, href.trim()), null, opts.params);
  }

  const NodeType = Object.freeze({ ElementNode: ELEMENT, TextNode: TEXT, CommentNode: COMMENT, DocumentNode: DOCUMENT, DoctypeNode: 10 });
  return { parseHTML: (src) => parseHTML(src, ''), Selection, Element, NodeType, responseHTML, submitForm, clickLink };
})
