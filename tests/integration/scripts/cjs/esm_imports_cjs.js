// An ES module importing a CommonJS one: its module.exports is the default export.
import lib from './lib.js';
export default function () { console.log(`esm ${lib.twice(4)} ${lib.name}`); }
