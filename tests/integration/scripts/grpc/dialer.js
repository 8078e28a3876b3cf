// k6/net/grpc dials through the VU's dialer (k6 grpc client.go:
// state.Dialer.DialContext), so blockHostnames, blacklistIPs and localIPs
// apply as they do to k6/http. CASE picks the options.
import grpc from 'k6/net/grpc';

const CASES = {
  blacklist: { blacklistIPs: ['127.0.0.0/8'] },
  blocked: { blockHostnames: ['*.example'], hosts: { 'grpc.example': '127.0.0.1' } },
  local: { localIPs: '127.0.0.2' },
};
export const options = Object.assign({ iterations: 1, vus: 1 }, CASES[__ENV.CASE]);

const client = new grpc.Client();
client.load(['../../data/grpc'], 'test.proto');

export default function () {
  const port = __ENV.GRPC_ADDR.split(':')[1];
  const addr = __ENV.CASE === 'blocked' ? 'grpc.example:' + port : __ENV.GRPC_ADDR;
  try {
    client.connect(addr, { plaintext: true, timeout: '1s' });
  } catch (e) {
    console.log('connect error ' + e.message);
    return;
  }
  const r = client.invoke('c6test.Tester/Echo', { text: 'hi' }, { metadata: { 'x-want-peer': '1' } });
  console.log('peer ' + r.message.metadata.filter((x) => x.startsWith('peer=')).join());
  client.close();
}
