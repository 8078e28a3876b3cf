// __ENV.N VUs, one empty iteration each (issue 17: VU counts past vm.max_map_count)
export const options = {
    scenarios: { s: { executor: 'per-vu-iterations', vus: __ENV.N * 1, iterations: 1, maxDuration: '120s' } },
};
export default function () {}
