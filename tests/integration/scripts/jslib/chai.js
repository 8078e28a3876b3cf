// jslib k6chaijs imported by its URL: describe/expect record checks; a failed
// expectation ends its describe block, not the iteration.
import { describe, expect } from 'https://jslib.k6.io/k6chaijs/4.3.4.3/index.js';
import http from 'k6/http';

export default function () {
  const passed = describe('fetch json', () => {
    const res = http.get(`${__ENV.TARGET}/json`);
    expect(res.status, 'status').to.equal(200);
    expect(res).to.have.validJsonBody();
    expect(res.json('slideshow.slides'), 'slides').to.be.an('array').and.have.lengthOf(3);
    expect(res.json('slideshow'), 'slideshow').to.have.property('author', 'c6 team');
    expect(res.json('slideshow.tags')).to.include('k6').and.not.include('jmeter');
    expect({ a: [1, 2] }).to.deep.equal({ a: [1, 2] });
    expect(res.timings.duration).to.be.below(5000).and.at.least(0);
  });
  const failed = describe('a failing block', () => {
    expect(1, 'one').to.equal(2);
    expect(true).to.be.true;   // not reached
  });
  console.log(JSON.stringify({ passed, failed }));
}
