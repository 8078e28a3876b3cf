// systemTags chooses the system tags samples carry; sub-metric thresholds see them.
import http from 'k6/http';
export const options = {
  iterations: 2,
  thresholds: {
    'http_reqs{status:200}': ['count==2'],
    'http_reqs{method:GET}': ['count==2'],
    'http_reqs{vu:1}': ['count==2'],
  },
};
export default function () { http.get(`${__ENV.TARGET}/get`); }
