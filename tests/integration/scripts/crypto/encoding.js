// k6/encoding: b64encode/b64decode in the four variants, string and
// ArrayBuffer results, default export and named imports, and errors.
import encoding from 'k6/encoding';
import { b64encode, b64decode } from 'k6/encoding';

export const options = { iterations: 1 };

const VARIANTS = ['std', 'rawstd', 'url', 'rawurl'];
function log(tag, obj) { console.log(tag + ' ' + JSON.stringify(obj)); }
function arr(ab) { return Array.from(new Uint8Array(ab)); }
function attempt(fn) {
  try { const r = fn(); return ['ok', r instanceof ArrayBuffer ? arr(r) : r]; } catch (e) { return [e.name, e.message]; }
}
function bytes(n) { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = (i * 37 + 11) & 255; return a; }

const STRINGS = ['', 'f', 'fo', 'foo', 'hello world', 'h\u00e9llo \u2713 \ud83d\ude00', '\u00ff\u00fe?>', 'x'.repeat(1000)];

export default function () {
  const enc = {};
  for (const v of VARIANTS) {
    enc[v] = {
      strings: STRINGS.map((s) => b64encode(s, v)),
      buffer: b64encode(bytes(300).buffer, v),
      view: b64encode(bytes(300).subarray(5, 17), v),
    };
  }
  const plusSlash = new Uint8Array([0xfb, 0xff, 0xbf]).buffer;   // "+/+/" in std, "-_-_" in url
  enc.default = b64encode(plusSlash);
  enc.unknown = encoding.b64encode(plusSlash, 'base32');   // anything unknown is std
  log('encode', enc);

  const dec = {};
  for (const v of VARIANTS) {
    dec[v] = {
      strings: STRINGS.map((s) => b64decode(b64encode(s, v), v, 's')),
      buffer: arr(b64decode(b64encode(bytes(300).buffer, v), v)),
      isBuffer: b64decode(b64encode('abc', v), v) instanceof ArrayBuffer,
    };
  }
  dec.defaultStd = arr(encoding.b64decode('+/8='));
  dec.newlines = b64decode('aGVs\r\nbG8g\nd29y\nbGQ=', 'std', 's');
  dec.notUtf8 = b64decode('/w==', 'std', 's');   // byte 0xff: U+FFFD
  dec.formatOther = arr(b64decode('aGk=', 'std', 'b'));
  log('decode', dec);

  log('errors', {
    missingPad: attempt(() => b64decode('aGVsbG8')),
    padInRaw: attempt(() => b64decode('aGVsbG8=', 'rawstd')),
    badChar: attempt(() => b64decode('aGV*bG8=', 'std')),
    urlInStd: attempt(() => b64decode('-_8=', 'std')),
    stdInUrl: attempt(() => b64decode('+/8=', 'url')),
    trailing: attempt(() => b64decode('aGk=aGk=', 'std')),
    lone: attempt(() => b64decode('QUJDR', 'rawurl')),
    encodeNumber: attempt(() => b64encode(12)),
    encodeUndefined: attempt(() => b64encode()),
    decodeEmpty: attempt(() => b64decode('', 'std', 's')),
  });
}
