// jslib papaparse imported by its URL (c6 carries a parser of its own) with
// SharedArray, as k6's docs show for CSV data.
import papaparse from 'https://jslib.k6.io/papaparse/5.1.1/index.js';
import { SharedArray } from 'k6/data';

const users = new SharedArray('users', () => papaparse.parse(open('./users.csv'), { header: true, skipEmptyLines: true }).data);

export default function () {
  const typed = papaparse.parse(open_text, { header: true, dynamicTyping: true, skipEmptyLines: true });
  const raw = papaparse.parse('a;b\n1;2', {});
  console.log(JSON.stringify({
    users: Array.from(users), typed: typed.data.map((r) => r.score), fields: typed.meta.fields,
    raw: raw.data, delim: raw.meta.delimiter, errors: papaparse.parse('a,"b\n', {}).errors.map((e) => e.code),
    unparse: papaparse.unparse([{ a: 1, b: 'x,y' }]),
  }));
}
const open_text = open('./users.csv');
