// An exception's position keeps its line in a CommonJS script.
module.exports.default = function () {
  throw new Error('line four');
};
