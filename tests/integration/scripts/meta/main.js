// import.meta.url and import.meta.resolve in the main script and in a module.
import { here, plain, url } from './lib/load.js';
export default function () {
  console.log(JSON.stringify({ here: here.from, plain: plain.from, libUrl: url.endsWith('/meta/lib/load.js') && url.startsWith('file:///'),
    mainUrl: import.meta.url.endsWith('/meta/main.js'), resolved: import.meta.resolve('./x/y.js').endsWith('/meta/x/y.js'),
    builtin: import.meta.resolve('k6/http') }));
}
