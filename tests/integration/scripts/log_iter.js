// No options at all: logs one line per iteration.
export default function () {
  console.log(`iter vu=${__VU} iter=${__ITER}`);
}
