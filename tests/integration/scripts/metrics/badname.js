// Metric names are letters, digits and _ (k6's rule).
import { Counter } from 'k6/metrics';
const a = new Counter('bad-name!');
export default function () {}
