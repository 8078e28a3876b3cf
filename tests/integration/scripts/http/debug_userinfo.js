// --http-debug of a URL with user info: the Basic header made from it is dumped,
// the user info is not part of Host.
import http from 'k6/http';
export default function () {
  const t = __ENV.TARGET.replace('://', '://us%40er:p%3Ass@');
  http.get(`${t}/get?x=1#frag`);
}
