// c6's built-in subset of jslib's k6chaijs (https://jslib.k6.io/k6chaijs/...):
// BDD assertions that record k6 checks, written for c6 from the documented
// API. Every assertion is a check (passed or failed); a failed one throws,
// and describe() catches that so the rest of the iteration goes on.
import { check, group } from 'k6';

class AssertionError extends Error {
  constructor(message) { super(message); this.name = 'AssertionError'; }
}

const show = (v) => {
  if (typeof v === 'string') return `'${v.length > 60 ? v.slice(0, 57) + '...' : v}'`;
  if (v === undefined) return 'undefined';
  try { const s = JSON.stringify(v); return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s; }
  catch (e) { return String(v); }
};

function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const WORDS = ['to', 'be', 'been', 'is', 'that', 'which', 'and', 'has', 'have', 'with', 'at', 'of', 'same', 'but', 'does', 'still', 'also'];

class Assertion {
  constructor(value, message) {
    this._v = value;
    this._msg = message;
    this._not = false;
    this._deep = false;
    for (const w of WORDS) Object.defineProperty(this, w, { get: () => this });
  }
  get not() { this._not = !this._not; return this; }
  get deep() { this._deep = true; return this; }
  // The check's name leaves the actual value out (it is the message, or
  // "value"), so one assertion is one check whatever values it sees, as
  // k6chaijs' aggregated checks are; the thrown error shows the value.
  _assert(ok, what) {
    const pass = this._not ? !ok : !!ok;
    const name = `expected ${this._msg || 'value'} ${this._not ? 'not ' : ''}${what}`;
    check(null, { [name]: () => pass });
    if (!pass) throw new AssertionError(`${name}, got ${show(this._v)}`);
    return this;
  }
  equal(x) { return this._deep ? this.eql(x) : this._assert(this._v === x, `to equal ${show(x)}`); }
  equals(x) { return this.equal(x); }
  eq(x) { return this.equal(x); }
  eql(x) { return this._assert(deepEqual(this._v, x), `to deeply equal ${show(x)}`); }
  above(n) { return this._assert(this._v > n, `to be above ${n}`); }
  gt(n) { return this.above(n); }
  greaterThan(n) { return this.above(n); }
  least(n) { return this._assert(this._v >= n, `to be at least ${n}`); }
  gte(n) { return this.least(n); }
  below(n) { return this._assert(this._v < n, `to be below ${n}`); }
  lt(n) { return this.below(n); }
  lessThan(n) { return this.below(n); }
  most(n) { return this._assert(this._v <= n, `to be at most ${n}`); }
  lte(n) { return this.most(n); }
  within(a, b) { return this._assert(this._v >= a && this._v <= b, `to be within ${a}..${b}`); }
  closeTo(x, d) { return this._assert(Math.abs(this._v - x) <= d, `to be close to ${x} +/- ${d}`); }
  a(type) { return this._assert(typeOf(this._v) === String(type).toLowerCase(), `to be a ${type}`); }
  an(type) { return this.a(type); }
  instanceOf(c) { return this._assert(this._v instanceof c, `to be an instance of ${c && c.name}`); }
  include(x) {
    const v = this._v;
    const ok = typeof v === 'string' ? v.includes(x)
      : Array.isArray(v) ? v.some((e) => (this._deep ? deepEqual(e, x) : e === x))
      : v && typeof v === 'object' && x && typeof x === 'object' ? Object.keys(x).every((k) => deepEqual(v[k], x[k]))
      : false;
    return this._assert(ok, `to include ${show(x)}`);
  }
  includes(x) { return this.include(x); }
  contain(x) { return this.include(x); }
  contains(x) { return this.include(x); }
  string(s) { return this._assert(typeof this._v === 'string' && this._v.includes(s), `to contain ${show(s)}`); }
  match(re) { return this._assert(re.test(String(this._v)), `to match ${re}`); }
  matches(re) { return this.match(re); }
  oneOf(list) { return this._assert(list.some((e) => (this._deep ? deepEqual(e, this._v) : e === this._v)), `to be one of ${show(list)}`); }
  property(name, val) {
    const has = this._v !== null && this._v !== undefined && name in Object(this._v);
    if (arguments.length < 2) return this._assert(has, `to have property ${show(name)}`);
    const got = has ? this._v[name] : undefined;
    return this._assert(has && (this._deep ? deepEqual(got, val) : got === val), `to have property ${show(name)} of ${show(val)}`);
  }
  keys(...ks) {
    const want = ks.length === 1 && Array.isArray(ks[0]) ? ks[0] : ks;
    const have = Object.keys(Object(this._v));
    return this._assert(want.every((k) => have.includes(k)), `to have keys ${show(want)}`);
  }
  lengthOf(n) { return this._assert(this._v !== null && this._v !== undefined && this._v.length === n, `to have a length of ${n}`); }
  get length() { return { of: (n) => this.lengthOf(n), above: (n) => this._assert(this._v.length > n, `to have a length above ${n}`), below: (n) => this._assert(this._v.length < n, `to have a length below ${n}`) }; }
  get ok() { return this._assert(!!this._v, 'to be truthy'); }
  get true() { return this._assert(this._v === true, 'to be true'); }
  get false() { return this._assert(this._v === false, 'to be false'); }
  get null() { return this._assert(this._v === null, 'to be null'); }
  get undefined() { return this._assert(this._v === undefined, 'to be undefined'); }
  get NaN() { return this._assert(Number.isNaN(this._v), 'to be NaN'); }
  get exist() { return this._assert(this._v !== null && this._v !== undefined, 'to exist'); }
  get empty() {
    const v = this._v;
    const n = typeof v === 'string' || Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : -1;
    return this._assert(n === 0, 'to be empty');
  }
  // k6chaijs' extension: a k6 Response whose body parses as JSON
  validJsonBody() {
    let ok = true;
    try { this._v.json(); } catch (e) { ok = false; }
    return this._assert(ok, 'to have a valid JSON body');
  }
}

export function expect(value, message) { return new Assertion(value, message); }

export function describe(name, fn) {
  let ok = true;
  group(name, () => {
    try {
      fn();
    } catch (e) {
      ok = false;
      if (!(e instanceof AssertionError)) {
        check(null, { [`Exception raised "${e && e.message ? e.message : e}"`]: () => false });
        console.error(`describe("${name}"): ${e && e.stack ? e.stack : e}`);
      }
    }
  });
  return ok;
}

export const chai = { expect, AssertionError };
export default { describe, expect, chai };
