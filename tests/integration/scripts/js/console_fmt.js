// How console.log prints values.
export default function () {
  console.log({ a: 1 });
  console.log([1, 2]);
  console.log('x', 1, true);
  console.log('plain string');
  console.warn('a warning');
  console.error('an error');
}
