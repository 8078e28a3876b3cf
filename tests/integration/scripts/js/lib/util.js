import { GREETING } from './helper.js';

export function add(a, b) {
  return a + b;
}

export default function greet(name) {
  return `${GREETING} ${name}`;
}
