// An error from k6/crypto left uncaught: logged, and the iteration ends.
import crypto from 'k6/crypto';

export const options = { iterations: 1 };

export default function () {
  crypto.createHash('nope');
}
