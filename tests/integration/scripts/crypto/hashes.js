// k6/crypto against vectors the test computes in Python: every algorithm in
// every output encoding for string, ArrayBuffer and typed-array inputs;
// hmac with string/ArrayBuffer/empty secrets; streaming createHash and
// createHMAC. One JSON record per topic, "binary" results shown as hex.
import crypto from 'k6/crypto';
import { sha256 as namedSha256, createHash as namedCreateHash } from 'k6/crypto';

export const options = { iterations: 1 };

const ALGS = ['md4', 'md5', 'sha1', 'sha256', 'sha384', 'sha512', 'sha512_224', 'sha512_256', 'ripemd160'];
const ENCS = ['hex', 'base64', 'base64url', 'base64rawurl', 'binary'];

function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }
function hex(ab) { return Array.from(new Uint8Array(ab), (b) => b.toString(16).padStart(2, '0')).join(''); }
function show(v) { return v instanceof ArrayBuffer ? 'ab:' + hex(v) : v; }
function bytes(n) { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = (i * 7 + 3) & 255; return a.buffer; }

const INPUTS = {
  empty: '',
  ascii: 'hello world!',
  utf8: 'h\u00e9llo \u2713 \ud83d\ude00',
  long: 'abc'.repeat(400),
  buffer: bytes(300),
};

export default function () {
  for (const alg of ALGS) {
    const rec = {};
    for (const [name, input] of Object.entries(INPUTS)) {
      rec[name] = {};
      for (const enc of ENCS) rec[name][enc] = show(crypto[alg](input, enc));
    }
    // a typed array hashes the bytes it views, not its whole buffer
    const view = new Uint8Array(bytes(300)).subarray(10, 110);
    rec.view = crypto[alg](view, 'hex');
    const h = crypto.createHash(alg);
    h.update('hello ');
    rec.partial = h.digest('hex');
    h.update(new Uint8Array([119, 111, 114, 108, 100, 33]).buffer);   // "world!"
    rec.streamed = h.digest('hex');
    rec.again = h.digest('base64');   // digest() does not end the hash
    log('hash:' + alg, rec);

    const m = {};
    m.str = show(crypto.hmac(alg, 'a secret', 'hello world!', 'hex'));
    m.bin = show(crypto.hmac(alg, bytes(200), bytes(50), 'binary'));   // key longer than a block
    m.empty = crypto.hmac(alg, '', '', 'base64rawurl');
    const hm = crypto.createHMAC(alg, 'a secret');
    hm.update('hello ');
    hm.update('world!');
    m.streamed = hm.digest('hex');
    hm.update('!');
    m.more = hm.digest('base64url');
    log('hmac:' + alg, m);
  }
  log('named', {
    sha256: namedSha256('abc', 'hex'),
    createHash: typeof namedCreateHash,
    hexEncode: crypto.hexEncode(new Uint8Array([0, 15, 255]).buffer),
  });
  const r1 = crypto.randomBytes(32), r2 = crypto.randomBytes(32);
  log('random', { isBuffer: r1 instanceof ArrayBuffer, len: r1.byteLength, differ: hex(r1) !== hex(r2),
                  one: crypto.randomBytes(1).byteLength });
}
