// An uncaught exception in an iteration: k6 logs it with its executor's
// logger (lib/executor/helpers.go getIterationRunner):
// level=error msg="Error: boom\n\tat ..." executor=per-vu-iterations scenario=s source=stacktrace
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } };
export default function () { throw new Error('boom'); }
