// jslib papaparse imported by its URL (the real papaparse 5.1.1, as the
// jslib serves it) with SharedArray, as k6's docs show for CSV data, and what
// a parser of c6's own lacked: step (streaming rows), chunk, chunkSize,
// fastMode, transform's column argument, unparse's columns/quotes.
import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
import { parse } from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
import { SharedArray } from 'k6/data';

const users = new SharedArray('users', () => papaparse.parse(open('./users.csv'), { header: true, skipEmptyLines: true }).data);
const text = open('./users.csv');

export default function () {
  const typed = papaparse.parse(text, { header: true, dynamicTyping: true, skipEmptyLines: true });
  const raw = parse('a;b\n1;2', {});
  const steps = [];
  const stepped = papaparse.parse('h1,h2\nx,1\ny,2\nz,3', {
    header: true,
    step: (row, parser) => {
      steps.push(row.data.h1);
      if (steps.length === 2) parser.abort();
    },
  });
  const chunks = [];
  papaparse.parse('a,b\n1,2\n3,4\n5,6\n7,8', { chunkSize: 8, chunk: (r) => chunks.push(r.data.length) });
  console.log(JSON.stringify({
    users: Array.from(users), typed: typed.data.map((r) => r.score), fields: typed.meta.fields,
    raw: raw.data, delim: raw.meta.delimiter,
    errors: papaparse.parse('a,"b\n', {}).errors.map((e) => `${e.code}: ${e.message}`),
    steps, steppedAborted: stepped === undefined ? 'undefined' : stepped, chunks: chunks.reduce((a, b) => a + b, 0),
    unparse: papaparse.unparse([{ a: 1, b: 'x,y' }]),
    unparseCols: papaparse.unparse([{ a: 1, b: 2, c: 3 }], { columns: ['c', 'a'], quotes: true }),
    transform: papaparse.parse('a,b\n1,2', { header: true, transform: (v, col) => `${col}=${v}` }).data,
  }));
}
