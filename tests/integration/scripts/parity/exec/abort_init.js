// exec.test.abort() in the init context: exit 108 and one error line,
// "test aborted: bad init at file:///.../abort_init.js:5:32" (no second
// line for the init error it causes).
import exec from 'k6/execution';
if (__VU === 1) exec.test.abort('bad init');
export default function () {}
