import x from './no_such_module_here.js';
export default function () { x(); }
