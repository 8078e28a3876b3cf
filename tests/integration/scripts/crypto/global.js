// The global crypto object: randomUUID() and getRandomValues(); no subtle.
export const options = { iterations: 1 };

function attempt(fn) {
  try { fn(); return 'ok'; } catch (e) { return [e.name, e.message]; }
}

export default function () {
  const uuids = [];
  for (let i = 0; i < 50; i++) uuids.push(crypto.randomUUID());
  const u8 = new Uint8Array(64), u32 = new Uint32Array(16), i16 = new Int16Array(8);
  const back = crypto.getRandomValues(u8);
  crypto.getRandomValues(u32);
  crypto.getRandomValues(i16);
  const big = new Uint16Array(32768);   // 65536 bytes: the limit itself
  crypto.getRandomValues(big);
  const tail = new Uint8Array(32);
  crypto.getRandomValues(tail.subarray(16));   // only the view's bytes change
  console.log('global ' + JSON.stringify({
    uuids,
    same: back === u8,
    u8: Array.from(u8),
    u32: Array.from(u32),
    i16: Array.from(i16),
    bigNonZero: big.filter((x) => x !== 0).length,
    tail: Array.from(tail),
    subtle: typeof crypto.subtle,
    float: attempt(() => crypto.getRandomValues(new Float64Array(2))),
    bigint: attempt(() => crypto.getRandomValues(new BigInt64Array(2))),
    plain: attempt(() => crypto.getRandomValues([1, 2, 3])),
    buffer: attempt(() => crypto.getRandomValues(new ArrayBuffer(4))),
    missing: attempt(() => crypto.getRandomValues()),
    quota: attempt(() => crypto.getRandomValues(new Uint32Array(16385))),
  }));
}
