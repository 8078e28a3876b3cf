// How k6's console prints values inside objects and arrays.
export const options = { iterations: 1 };
export default function () {
  const o = { a: 1, b: undefined, c: null, s: 'x', f() {}, arr: [1, , 'y', undefined], n: { deep: [{}] } };
  o.self = o;
  console.log(o);
  console.log(undefined, null, 'top string', function named() {}, new Error('top'));
  console.log(new Date(0), { when: new Date(0) }, [], {}, { e: new Error('inner') });
  console.log(new Uint8Array([1, 2, 3]), new Uint8Array(0), new ArrayBuffer(2), new Float64Array([1.5]));
}
