// A distributed run's test: 10,000 shared iterations over the agents; setup()
// and teardown() each hit the counting server (COUNTER) once; every
// iteration checks that it got setup()'s data and that its local module and
// open()ed file (shipped in the bundle) are there.
import http from 'k6/http';
import { check } from 'k6';
import { greet } from './lib/greet.js';

const words = open('./data/words.txt').trim().split('\n');

export const options = {
  scenarios: { s: { executor: 'shared-iterations', vus: 8, iterations: 10000, maxDuration: '120s' } },
};

export function setup() {
  http.get(`${__ENV.COUNTER}/setup`);
  return { token: 'abc', word: words[1] };
}

export default function (data) {
  http.get(`${__ENV.TARGET}/get`);
  check(data, {
    'setup data': (d) => d && d.token === 'abc' && d.word === 'two',
    'bundle': () => greet('x') === 'hello x' && words.length === 3,
  });
}

export function teardown(data) {
  http.get(`${__ENV.COUNTER}/teardown?token=${data.token}`);
}
