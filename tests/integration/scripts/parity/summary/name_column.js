import { check } from 'k6';
import { Counter } from 'k6/metrics';

const long = new Counter('a_rather_long_custom_metric_name');

export const options = { iterations: 1, thresholds: { 'a_rather_long_custom_metric_name{k:v}': ['count>=0'] } };

export default function () {
  check(1, { 'a check': () => true });
  long.add(2, { k: 'v' });
}
