// timers set in the init context run before init ends
let fired = 0;
setTimeout(() => { fired++; }, 5);
export const options = { vus: 1, iterations: 1 };
export default function () { console.log('fired ' + fired); }
