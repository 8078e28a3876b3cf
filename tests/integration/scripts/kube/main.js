// c6 kube's tests: a module and an open()ed file, both of which the
// archive in the ConfigMap must hold.
import { greet } from './lib/greet.js';

const words = open('./data/words.txt').split('\n').filter((w) => w);

export const options = { vus: 2, iterations: 4 };

export default function () {
  greet(words[__ITER % words.length]);
}
