// The names check() gives its checks (issue 17: k6_check takes an ASCII name
// straight from the key's atom, JS_AtomGetASCII in
// scripts/quickjs-atom-ascii.patch, and copies any other as UTF-8, as
// before). Names with colons, non-ASCII Latin-1 and wide characters, a lone
// surrogate, an empty name, control and NUL characters, numeric-looking
// keys, a key its own check deletes; objects of up to 8 keys (names from
// the shape) and of more (JS_GetOwnPropertyNames); '::' anywhere throws.
// Logs check()'s results and errors; handleSummary prints every check with
// its passes and fails.
import { check } from 'k6';

export const options = { vus: 1, iterations: 2 };

function checks(names, extra) {
  const o = {};
  for (const n of names) o[n] = (r) => r === 1;
  return Object.assign(o, extra || {});
}

export default function () {
  const o = checks(['plain ascii', 'a:b', ':', 'x:'], {});
  o['deletes itself'] = function () { delete o['deletes itself']; return true; };
  console.log(String(check(1, o)));
  console.log(String(check(1, checks(['naïve é', '日本 ✓', '', 'tab\there']))));
  console.log(String(check(1, checks(['nul\u0000after', 'surrogate \ud800 lone', 'emoji 😀', '0x10']))));
  console.log(String(check(2, checks(['fails ascii', 'fails é']))));
  console.log(String(check(1, checks(['4294967294', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8 ü']))));
  for (const bad of ['x::y', '::', 'é::', '日本::']) {
    try {
      check(1, { [bad]: () => true });
      console.log(`no throw ${bad}`);
    } catch (e) {
      console.log(`${bad} -> ${e.name}: ${e.message}`);
    }
  }
  try {
    check(1, { first: () => true, 'mid::dle': () => true, never: () => true });
  } catch (e) {
    console.log(`mid -> ${e.message}`);
  }
}

export function handleSummary(d) {
  const out = [];
  const walk = (g) => {
    for (const c of g.checks) out.push([c.name, c.passes, c.fails]);
    for (const s of g.groups) walk(s);
  };
  walk(d.root_group);
  return { stdout: `${JSON.stringify(out)}\n` };
}
