// fail(), a check name with the group separator, group() and check() in the init code.
import { check, fail, group } from 'k6';
export const options = { iterations: 1 };
let initCheck = '', initGroup = '';
try { check(1, { ok: () => true }); } catch (e) { initCheck = String(e); }
try { group('g', () => {}); } catch (e) { initGroup = String(e); }
export default function () {
  console.log(initCheck);
  console.log(initGroup);
  try { check(1, { 'a::b': () => true }); } catch (e) { console.log(String(e)); }
  fail('failing on purpose');
}
