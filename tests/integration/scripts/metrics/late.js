// Declaring a metric outside the init context is an error in that iteration.
import { Counter } from 'k6/metrics';
export default function () { new Counter('late'); }
