// wss:// sessions to each of URLS (space-separated), with OPTS (JSON) as
// options (a tlsAuth entry's certFile and keyFile are read into its cert
// and key): one "rec" line per URL with what came back. A session that
// opens sends "hi", waits for its echo and closes.
import ws from 'k6/ws';

const opts = JSON.parse(__ENV.OPTS || '{}');
for (const a of opts.tlsAuth || []) {
  a.cert = open(a.certFile);
  a.key = open(a.keyFile);
  delete a.certFile;
  delete a.keyFile;
}
export const options = Object.assign({ vus: 1, iterations: 1 }, opts);

export default function () {
  for (const url of __ENV.URLS.split(' ')) {
    const rec = { url, opened: false, echo: null, closeCode: null, errors: [] };
    try {
      const res = ws.connect(url, function (socket) {
        socket.on('open', () => { rec.opened = true; socket.send('hi'); });
        socket.on('message', (m) => { rec.echo = m; socket.close(); });
        socket.on('error', (e) => rec.errors.push(e.error()));
        socket.on('close', (c) => { rec.closeCode = c; });
        socket.setTimeout(() => socket.close(), 3000);
      });
      Object.assign(rec, { status: res.status, error: res.error, error_code: res.error_code, body: res.body });
    } catch (e) {
      rec.threw = String(e);
    }
    console.log('rec ' + JSON.stringify(rec));
  }
}
