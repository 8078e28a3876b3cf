import { SharedArray } from 'k6/data';
const data = new SharedArray('obj', () => ({ users: [1, 2] }));
export default function () { console.log(data.length); }
