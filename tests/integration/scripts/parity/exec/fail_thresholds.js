// exec.test.fail() with a crossed threshold as well: k6 ends the run with
// "test run was marked as failed" (exit 110); the crossed thresholds are then
// only a debug line (internal/cmd/run.go run(): err is already set).
import exec from 'k6/execution';
export const options = { iterations: 1, thresholds: { iterations: ['count>5'] } };
export default function () { exec.test.fail(); }
