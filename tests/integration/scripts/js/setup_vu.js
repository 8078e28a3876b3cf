// __VU is 0 in setup() and teardown().
export function setup() {
  console.log(`setup vu=${__VU}`);
}

export default function () {
  console.log(`default vu=${__VU}`);
}

export function teardown() {
  console.log(`teardown vu=${__VU}`);
}
