// /redirect/3 takes three hops to /get.
import http from 'k6/http';

export default function () {
  const res = http.get(`${__ENV.TARGET}/redirect/3`);
  console.log(JSON.stringify({ status: res.status, url: res.url }));
}
