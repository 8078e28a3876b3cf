// open() called from the default function.
export const options = { iterations: 1 };
export default function () { open('./open_in_iteration.js'); }
