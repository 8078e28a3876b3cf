// fail() ends the iteration like an exception.
import { fail } from 'k6';

export default function () {
  console.log('before fail');
  fail('failing on purpose');
  console.log('after fail');
}
