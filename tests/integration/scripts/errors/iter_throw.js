// Throws in every other iteration; the run goes on.
export default function () {
  console.log(`start ${__ITER}`);
  if (__ITER % 2 === 0) {
    throw new Error('boom in iteration');
  }
  console.log(`end ${__ITER}`);
}
