// A check whose function throws: recorded as failed, then the exception goes on.
import { check } from 'k6';
export const options = { iterations: 2 };
export default function () {
  check(1, { 'passes': () => true });
  try {
    check(1, { 'throws': () => { throw new Error('boom in check'); } });
  } catch (e) {
    console.log(`caught: ${e.message}`);
  }
  check(1, { 'uncaught': () => { throw new Error('boom again'); } });
  console.log('not reached');
}
