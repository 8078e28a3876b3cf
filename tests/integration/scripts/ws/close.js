// The server closes with a code (and a reason); the close handler gets it.
import ws from 'k6/ws';

export const options = { vus: 1, iterations: 1 };

export default function () {
  const base = __ENV.TARGET.replace(/^http/, 'ws');
  const codes = [];
  let t0 = Date.now();
  const res = ws.connect(base + '/ws/close?code=4001&reason=bye&after=150', null, function (socket) {
    socket.on('close', (c) => codes.push(c));
  });
  const took = Date.now() - t0;
  // a client-initiated close with a code of its own, echoed back by the server
  ws.connect(base + '/ws/echo', function (socket) {
    socket.on('open', () => socket.close(4321));
    socket.on('close', (c) => codes.push(c));
  });
  // the server closes on request in the middle of a conversation
  const got = [];
  ws.connect(base + '/ws/echo', function (socket) {
    socket.on('open', () => { socket.send('one'); socket.send('!close 1001 going'); socket.send('late'); });
    socket.on('message', (m) => got.push(m));
    socket.on('close', (c) => codes.push(c));
  });
  let threw = '';
  ws.connect(base + '/ws/echo', function (socket) {
    try { socket.close(1006); } catch (e) { threw = e.name; }
    socket.close();
  });
  // k6's Close(): the close handlers run inside close(), with its code (1001
  // without one), and the session is over: a send after it is an error
  // (gorilla's ErrCloseSent), nothing more is read, connect() returns at once
  const order = [];
  t0 = Date.now();
  ws.connect(base + '/ws/echo', function (socket) {
    socket.on('open', () => {
      socket.send('one');
      socket.close();
      order.push('after close()');
      socket.send('two');
      socket.close(4000);
    });
    socket.on('message', (m) => order.push('message ' + m));
    socket.on('error', (e) => order.push('error ' + e.error()));
    socket.on('close', (c) => order.push('close ' + c));
    socket.setTimeout(() => order.push('timeout'), 500);
  });
  const tookClose = Date.now() - t0;
  console.log('close ' + JSON.stringify({ codes, status: res.status, took, got, threw, order, tookClose }));
}
