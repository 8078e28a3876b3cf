// The same Trend declared once as a time trend and once as a plain one.
import { Trend } from 'k6/metrics';
const a = new Trend('my_trend', true);
const b = new Trend('my_trend');
export default function () { a.add(1); b.add(1); }
