// __ITER deleted by the script: the next iteration sets it again (k6:
// js/runner.go, ActiveVU.RunOnce sets __ITER on the runtime each
// iteration), whatever other names the script made meanwhile. The name is
// built at run time, so the script's own code holds no reference to it.
const NAME = ['__IT', 'ER'].join('');
export default function () {
  const iter = globalThis[NAME];
  if (iter === 0) {
    delete globalThis[NAME];
    for (let i = 0; i < 3000; i++) globalThis['c6name' + i] = i;
    for (let i = 0; i < 3000; i++) delete globalThis['c6name' + i];
    console.log('vu=' + __VU + ' deleted ' + typeof globalThis[NAME]);
    return;
  }
  const d = Object.getOwnPropertyDescriptor(globalThis, NAME);
  console.log('vu=' + __VU + ' iter=' + iter + ' ' + JSON.stringify(d) + ' ' + typeof globalThis.c6name5);
}
