// exec.test.abort() in teardown(): the teardown stops there, exit 108, one
// error line "test aborted: in teardown at teardown (file:///...:6:45)".
import exec from 'k6/execution';
export const options = { iterations: 1 };
export default function () {}
export function teardown() { exec.test.abort('in teardown'); console.log('after'); }
