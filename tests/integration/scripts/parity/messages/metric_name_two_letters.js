// Two characters is the shortest name k6 accepts.
import { Counter } from 'k6/metrics';
const c = new Counter('xy');
export const options = { iterations: 1 };
export default function () { c.add(3); }
