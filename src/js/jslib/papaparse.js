// c6's built-in CSV parser for scripts importing jslib's papaparse
// (https://jslib.k6.io/papaparse/...): the parse() subset load tests use,
// written for c6 from the documented behaviour (RFC 4180 quoting).
//   parse(text, { header, delimiter, newline, quoteChar, escapeChar,
//                 skipEmptyLines ('greedy' too), dynamicTyping, comments,
//                 transformHeader, transform, preview })
// returns { data, errors, meta: { delimiter, linebreak, fields, truncated } }.

function guessDelimiter(text, quote) {
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0] || '';
  let best = ',', bestCount = 0;
  for (const d of [',', '\t', '|', ';']) {
    let n = 0, inQ = false;
    for (const ch of firstLine) {
      if (ch === quote) inQ = !inQ;
      else if (!inQ && ch === d) n++;
    }
    if (n > bestCount) { best = d; bestCount = n; }
  }
  return best;
}

function guessNewline(text) {
  const i = text.search(/\r\n|\n|\r/);
  if (i < 0) return '\n';
  return text[i] === '\r' ? (text[i + 1] === '\n' ? '\r\n' : '\r') : '\n';
}

function typed(v) {
  if (v === 'true' || v === 'TRUE') return true;
  if (v === 'false' || v === 'FALSE') return false;
  if (v === '') return v;
  if (/^\s*-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(v)) return parseFloat(v);
  return v;
}

export function parse(input, config = {}) {
  const text = String(input);
  const quote = config.quoteChar || '"';
  const escape = config.escapeChar || quote;
  const delim = config.delimiter || guessDelimiter(text, quote);
  const newline = config.newline || guessNewline(text);
  const errors = [];
  const rows = [];
  let row = [], field = '', i = 0, inQuotes = false, quotedField = false, rowStart = 0;
  const limit = config.preview > 0 ? config.preview + (config.header ? 1 : 0) : Infinity;
  const endRow = () => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
    quotedField = false;
  };
  while (i < text.length && rows.length < limit) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === escape && text[i + 1] === quote) { field += quote; i += 2; continue; }
      if (ch === quote) { inQuotes = false; i++; continue; }
      field += ch;
      i++;
      continue;
    }
    if (ch === quote && field === '' && !quotedField) { inQuotes = true; quotedField = true; i++; continue; }
    if (text.startsWith(delim, i)) { row.push(field); field = ''; quotedField = false; i += delim.length; continue; }
    if (text.startsWith(newline, i)) {
      if (config.comments && row.length === 0 && field.startsWith(config.comments === true ? '#' : config.comments)) {
        field = '';
      } else {
        endRow();
      }
      i += newline.length;
      rowStart = i;
      continue;
    }
    field += ch;
    i++;
  }
  if (inQuotes) errors.push({ type: 'Quotes', code: 'MissingQuotes', message: 'Quoted field unterminated', row: rows.length, index: rowStart });
  if ((field !== '' || row.length || quotedField) && rows.length < limit) {
    if (!(config.comments && row.length === 0 && field.startsWith(config.comments === true ? '#' : config.comments))) endRow();
  }
  const empty = (r) => r.length === 1 && r[0] === '';
  const blank = (r) => r.every((f) => f.trim() === '');
  let kept = rows;
  if (config.skipEmptyLines === 'greedy') kept = rows.filter((r) => !blank(r));
  else if (config.skipEmptyLines) kept = rows.filter((r) => !empty(r));
  const conv = (v, key) => {
    let out = config.transform ? config.transform(v, key) : v;
    const dyn = typeof config.dynamicTyping === 'function' ? config.dynamicTyping(key) :
      (config.dynamicTyping && typeof config.dynamicTyping === 'object' ? config.dynamicTyping[key] : config.dynamicTyping);
    return dyn ? typed(out) : out;
  };
  let fields;
  let data;
  if (config.header) {
    const head = kept.shift() || [];
    fields = head.map((h, k) => (config.transformHeader ? config.transformHeader(h, k) : h));
    data = kept.map((r, n) => {
      const o = {};
      fields.forEach((f, k) => { if (k < r.length) o[f] = conv(r[k], f); });
      if (r.length > fields.length) {
        o.__parsed_extra = r.slice(fields.length).map((v) => conv(v, '__parsed_extra'));
        errors.push({ type: 'FieldMismatch', code: 'TooManyFields', message: `Too many fields: expected ${fields.length} fields but parsed ${r.length}`, row: n });
      } else if (r.length < fields.length) {
        errors.push({ type: 'FieldMismatch', code: 'TooFewFields', message: `Too few fields: expected ${fields.length} fields but parsed ${r.length}`, row: n });
      }
      return o;
    });
  } else {
    data = kept.map((r) => r.map((v, k) => conv(v, k)));
  }
  return {
    data,
    errors,
    meta: { delimiter: delim, linebreak: newline, aborted: false, truncated: rows.length >= limit && i < text.length, cursor: i, fields },
  };
}

export function unparse(data, config = {}) {
  const delim = config.delimiter || ',', nl = config.newline || '\r\n', q = config.quoteChar || '"';
  const esc = (v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return config.quotes === true || s.includes(delim) || s.includes(q) || /[\r\n]/.test(s) || /^\s|\s$/.test(s)
      ? q + s.split(q).join(q + q) + q : s;
  };
  let rows = data, fields = null;
  if (data && !Array.isArray(data) && data.fields) { fields = data.fields; rows = data.data; }
  if (!fields && rows.length && !Array.isArray(rows[0])) fields = Object.keys(rows[0]);
  const out = [];
  if (fields && config.header !== false) out.push(fields.map(esc).join(delim));
  for (const r of rows) out.push((Array.isArray(r) ? r : fields.map((f) => r[f])).map(esc).join(delim));
  return out.join(nl);
}

export default { parse, unparse };
