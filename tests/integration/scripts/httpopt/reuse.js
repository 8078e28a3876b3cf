// Client ports show which connection served each request.
import http from 'k6/http';

export default function () {
  const ports = [];
  for (let i = 0; i < 3; i++) ports.push(http.get(`${__ENV.TARGET}/client`).json().port);
  console.log(JSON.stringify(ports));
}
