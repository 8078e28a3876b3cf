import { sleep } from 'k6';
export const options = { iterations: 1, setupTimeout: '1s' };
export function setup() { console.log('setup started'); sleep(30); }
export default function () { console.log('iteration ran'); }
export function teardown() { console.log('teardown ran'); }
