// The same name with another type is an init error.
import { Counter, Trend } from 'k6/metrics';
const a = new Counter('dup');
const b = new Trend('dup');
export default function () {}
