// One threshold from the environment: METRIC (may carry a {tag:value}
// selector) and EXPR. Requests are tagged mytag=mine and mytag=other.
import http from 'k6/http';

export const options = {
  iterations: 4,
  thresholds: { [__ENV.METRIC]: [__ENV.EXPR] },
};

export default function () {
  http.get(`${__ENV.TARGET}/get`, { tags: { mytag: 'mine' } });
  http.get(`${__ENV.TARGET}/delay/50`, { tags: { mytag: 'other' } });
}
