// handleSummary() of a distributed run runs once, at the coordinator, on
// the merged data: 300 shared iterations over the agents.
import http from 'k6/http';

export const options = {
  scenarios: { s: { executor: 'shared-iterations', vus: 4, iterations: 300, maxDuration: '60s' } },
};

export default function () {
  http.get(`${__ENV.TARGET}/get`);
}

export function handleSummary(data) {
  return {
    'hs.json': JSON.stringify({ iterations: data.metrics.iterations.values.count,
                                reqs: data.metrics.http_reqs.values.count }),
    stdout: `handled: ${data.metrics.iterations.values.count} iterations\n`,
  };
}
