// Throws in setup(): the test must not start.
export function setup() {
  throw new Error('boom in setup');
}

export default function () {
  console.log('default ran');
}
