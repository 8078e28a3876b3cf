// A CommonJS module: module.exports replaced by an object.
function twice(x) { return 2 * x; }
module.exports = { twice, name: 'lib' };
