// 10 VUs asked 30% in zone-a, 70% in zone-b (k6 cloud's options.cloud.distribution):
// each VU logs the zone its agent serves, its distribution label and instance (k6 cloud's
// K6_CLOUDRUN_LOAD_ZONE, K6_CLOUDRUN_DISTRIBUTION, K6_CLOUDRUN_INSTANCE_ID)
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
    const env = __ENV;
    console.log(`zone=${env.K6_CLOUDRUN_LOAD_ZONE} label=${env.K6_CLOUDRUN_DISTRIBUTION} ` +
        `instance=${env.K6_CLOUDRUN_INSTANCE_ID} vu=${exec.vu.idInTest}`);
    sleep(0.2);
}
