// k6/crypto's error cases, each caught and reported as [name, message].
import crypto from 'k6/crypto';

export const options = { iterations: 1 };

function attempt(fn) {
  try { const r = fn(); return ['ok', String(r)]; } catch (e) { return [e.name, e.message]; }
}

export default function () {
  const h = crypto.createHash('sha256');
  console.log('errors ' + JSON.stringify({
    createHash: attempt(() => crypto.createHash('sha3')),
    createHMAC: attempt(() => crypto.createHMAC('SHA256', 'k')),
    hmac: attempt(() => crypto.hmac('whirlpool', 'k', 'd', 'hex')),
    hashEnc: attempt(() => crypto.md5('x', 'base32')),
    hashNoEnc: attempt(() => crypto.sha1('x')),
    digestEnc: attempt(() => h.digest('utf8')),
    hmacEnc: attempt(() => crypto.hmac('sha1', 'k', 'd', 'HEX')),
    inputNumber: attempt(() => crypto.sha256(42, 'hex')),
    inputObject: attempt(() => crypto.sha256({}, 'hex')),
    inputNull: attempt(() => crypto.md5(null, 'hex')),
    updateArray: attempt(() => h.update([1, 2])),
    secretNumber: attempt(() => crypto.hmac('sha256', 7, 'd', 'hex')),
    size0: attempt(() => crypto.randomBytes(0)),
    sizeNeg: attempt(() => crypto.randomBytes(-3)),
    sizeNaN: attempt(() => crypto.randomBytes('many')),
    sizeHuge: attempt(() => crypto.randomBytes(Infinity)),
    digestAfter: h.digest('hex'),   // the hasher still works after the failures
  }));
}
