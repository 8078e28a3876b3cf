// One k6/websockets session with a hostile server; logs (console.log, one
// JSON line; the test runs with --log-format=json) the events the script
// saw, in order: a close event's code is null when the event has none.
// Env: URL (ws://...), HOLD (ms before the script closes the socket itself).
import { WebSocket } from 'k6/websockets';

export const options = { iterations: 1, vus: 1 };

export default function () {
    const events = [];
    const sock = new WebSocket(__ENV.URL + '/ws');
    sock.binaryType = 'arraybuffer';
    const hold = setTimeout(() => { events.push(['timeout']); sock.close(); }, Number(__ENV.HOLD || 3000));
    sock.onopen = () => events.push(['open']);
    sock.onmessage = (e) => events.push(['message', typeof e.data === 'string' ? e.data.length : e.data.byteLength,
        typeof e.data === 'string' ? e.data.slice(0, 16) : '']);
    sock.onerror = (e) => events.push(['error', e.error]);
    sock.onclose = (e) => {
        clearTimeout(hold);
        events.push(['close', e.code === undefined ? null : e.code, e.reason]);
        console.log(JSON.stringify({ events: events }));
    };
}
