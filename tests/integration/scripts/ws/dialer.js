// k6/ws and k6/websockets dial through the VU's dialer (k6 lib/netext
// dialer.go): blockHostnames refuses a name before any lookup,
// blacklistIPs an address after it; gorilla returns the dialer's error as it is.
import ws from 'k6/ws';
import { WebSocket } from 'k6/websockets';

export const options = {
  vus: 1, iterations: 1,
  hosts: { 'ws.example': '127.0.0.1', 'ok.test': '127.0.0.1' },
  blockHostnames: ['*.example'],
  blacklistIPs: ['127.0.0.0/8'],
};

export default async function () {
  const port = __ENV.TARGET.replace(/.*:/, '').replace(/\/.*/, '');
  const blocked = ws.connect(`ws://ws.example:${port}/ws/echo`, () => {});
  console.log('ws-blocked ' + JSON.stringify(blocked.error));
  const listed = ws.connect(`ws://ok.test:${port}/ws/echo`, () => {});
  console.log('ws-listed ' + JSON.stringify(listed.error));
  const errs = await new Promise((resolve) => {
    const got = [];
    const s = new WebSocket(`ws://ws.example:${port}/ws/echo`);
    s.onerror = (e) => got.push(e.error);
    s.onclose = () => resolve(got);
  });
  console.log('wsn-blocked ' + JSON.stringify(errs));
}
