// 3 groups, a second apart: within the default limit (40), over a lowered --max-groups 2
import { group, sleep } from 'k6';
export const options = { vus: 1, duration: '30s' };
export default function () {
  for (let i = 1; i <= 3; i++) group(`g${i}`, () => { sleep(0.3); });
}
