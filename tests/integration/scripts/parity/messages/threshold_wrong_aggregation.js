// count is not an aggregation of a Trend.
export const options = { iterations: 1, thresholds: { http_req_duration: ['p(95)<500', 'count>0'] } };
export default function () {}
