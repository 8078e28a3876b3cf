// console output and an uncaught exception, for --log-format / --log-output / --console-output.
export default function () { console.log('hello "you"\nline'); console.warn('w'); throw new Error('boom'); }
