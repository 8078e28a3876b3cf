// 10 VUs asked 30% in zone-a, 70% in zone-b (k6 cloud's options.cloud.distribution):
// each VU logs the zone its agent serves (__ENV.K6_CLOUDRUN_LOAD_ZONE, as k6 cloud sets it)
import exec from 'k6/execution';
import { sleep } from 'k6';
export const options = {
    scenarios: { s: { executor: 'per-vu-iterations', vus: 10, iterations: 1 } },
    cloud: {
        distribution: {
            east: { loadZone: 'zone-a', percent: 30 },
            west: { loadZone: 'zone-b', percent: 70 },
        },
    },
};
export default function () {
    console.log(`zone=${__ENV.K6_CLOUDRUN_LOAD_ZONE} vu=${exec.vu.idInTest}`);
    sleep(0.2);
}
