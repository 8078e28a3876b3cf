// k6 refuses a one-letter metric name: ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$ (metrics/registry.go).
import { Counter } from 'k6/metrics';
const c = new Counter('x');
export default function () { c.add(1); }
