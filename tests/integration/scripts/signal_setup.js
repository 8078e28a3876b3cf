// setup() takes long; a signal arrives while it runs.
import { sleep } from 'k6';

export function setup() {
  console.log('setup started');
  sleep(20);
  console.log('setup finished');
}

export default function () {
  console.log('default ran');
}
