// new WebSocket() in the init context: a clear error.
import { WebSocket } from 'k6/experimental/websockets';

new WebSocket(__ENV.TARGET.replace(/^http/, 'ws') + '/ws/echo');

export default function () {}
