// 41 groups in each iteration: more than k6 Cloud's 40 (the "Test Status
// codes" page's limit): the service stops the run, Aborted by limit (9)
import { group, sleep } from 'k6';
export const options = { vus: 1, duration: '30s' };
export default function () {
  for (let i = 1; i <= 41; i++) group(`g${i}`, () => {});
  sleep(0.2);
}
