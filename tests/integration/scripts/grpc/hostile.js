// k6/net/grpc against hostile HTTP/2 peers (test_hostile_grpc.py): each
// step's outcome logged as JSON.
import grpc from 'k6/net/grpc';

const client = new grpc.Client();
client.load(['../../data/grpc'], 'health.proto');

function attempt(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    return { error: e.message };
  }
}

export default function () {
  const conn = attempt(() => client.connect(__ENV.ADDR, { plaintext: true, timeout: '2s' }));
  console.log(JSON.stringify(conn));
  if (conn.error) return;
  const r = attempt(() => {
    const res = client.invoke('grpc.health.v1.Health/Check', {}, { timeout: '2s' });
    return { status: res.status, error: res.error };
  });
  console.log(JSON.stringify(r));
  client.close();
}
