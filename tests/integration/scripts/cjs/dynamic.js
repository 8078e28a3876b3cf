// require() of a computed name cannot be loaded before the run.
const name = 'k6' + '/http';
module.exports.default = function () { require(name); };
