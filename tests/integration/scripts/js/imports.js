// Relative imports: a named and a default export from ./lib/util.js.
import greet, { add } from './lib/util.js';

export default function () {
  console.log(`add=${add(2, 3)} greet=${greet('c6')}`);
}
