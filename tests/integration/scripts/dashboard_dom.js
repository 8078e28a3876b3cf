// Runs the web dashboard report's scripts under node with a tiny stand-in
// for the DOM, then prints what they drew as JSON (test_dashboard.py).
'use strict';
const fs = require('fs');
const html = fs.readFileSync(process.argv[2], 'utf8');
const ids = {};
function Node(tag) { this.tag = tag; this.attrs = {}; this.children = []; this._text = ''; this.hidden = false; }
Node.prototype.setAttribute = function (k, v) { this.attrs[k] = String(v); };
Node.prototype.appendChild = function (c) { this.children.push(c); return c; };
Node.prototype.replaceChildren = function (...c) { this.children = c; };
Object.defineProperty(Node.prototype, 'textContent', {
  get() { return this._text + this.children.map((c) => c.textContent).join(' '); },
  set(v) { this._text = String(v); this.children = []; },
});
for (const m of html.matchAll(/id="([^"]+)"/g)) ids[m[1]] = new Node('div');
global.document = {
  getElementById: (id) => ids[id],
  createElement: (t) => new Node(t),
  createElementNS: (ns, t) => new Node(t),
  createTextNode: (t) => { const n = new Node('#text'); n._text = t; return n; },
};
global.window = global;
global.requestAnimationFrame = (f) => f();
for (const m of html.matchAll(/<script>([\s\S]*?)<\/script>/g)) (0, eval)(m[1]);
const count = (n, tag) => (n.tag === tag ? 1 : 0) + n.children.reduce((a, c) => a + count(c, tag), 0);
console.log(JSON.stringify({
  state: ids.state.textContent,
  charts: ids.charts.children.length,
  lines: count(ids.charts, 'polyline') + count(ids.charts, 'circle'),
  cards: ids.cards.textContent,
  thresholds: ids.thresholds.textContent,
  checks: ids.checks.textContent,
  metrics: ids.metrics.textContent,
  summaryShown: !ids.summary.hidden,
}));
