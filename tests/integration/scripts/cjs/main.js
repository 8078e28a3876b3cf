// A CommonJS script: require() of k6 modules and of a local CommonJS file,
// module.exports with options, setup and the default function.
const http = require('k6/http');
const { check } = require("k6");
const lib = require('./lib.js');
const top = this;   // module.exports at the top level, as in Node and k6

module.exports.options = { iterations: 2, thresholds: { checks: ['rate==1'] } };

exports.setup = function () { return { base: __ENV.TARGET }; };

module.exports.default = function (data) {
  const res = http.get(`${data.base}/get`);
  check(res, { 'status is 200': (r) => r.status === 200 });
  console.log(JSON.stringify({ twice: lib.twice(21), name: lib.name, file: __filename.endsWith('main.js'), self: top === module.exports }));
};
