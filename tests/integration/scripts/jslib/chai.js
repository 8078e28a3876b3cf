// jslib k6chaijs imported by its URL: real chai's messages become the check
// names (k6chaijs' aggregated form: the expect() message or ${this} instead of
// the value), a failed expectation ends its describe block, not the iteration.
import chai, { describe, expect } from 'https://jslib.k6.io/k6chaijs/4.3.4.3/index.js';
import http from 'k6/http';

export default function () {
  const passed = describe('fetch json', () => {
    const res = http.get(`${__ENV.TARGET}/json`);
    expect(res.status, 'status').to.equal(200);
    expect(res).to.have.validJsonBody();
    expect(res.json('slideshow.slides'), 'slides').to.be.an('array').and.have.lengthOf(3);
    expect(10).to.be.within(8, 12);
    expect({ a: 1 }, 'obj').to.have.property('a', 1);
    expect(5).to.not.equal(6);
    expect([1, 2]).to.deep.equal([1, 2]);
    expect('s3cr3t', 'token').anonymize().to.be.a('string');
  });
  let error = null;
  const failed = describe('a failing block', () => {
    try {
      expect(42, 'answer').to.equal(44);
    } catch (e) {
      error = `${e.name}: ${e.message}`;
      throw e;
    }
    expect(true).to.be.true; // not reached
  });
  const thrown = describe('an exception', () => {
    throw new Error('kaput');
  });
  let long = null;
  describe('long values', () => {
    try {
      expect('x'.repeat(150)).to.equal('y'.repeat(150));
    } catch (e) {
      long = e.message;
      throw e;
    }
  });
  chai.config.aggregateChecks = false; // the values in the names, the message in front
  describe('values shown', () => {
    expect(3, 'three').to.equal(3);
  });
  chai.config.aggregateChecks = true;
  console.log(JSON.stringify({ passed, failed, thrown, error, long, version: chai.version }));
}
