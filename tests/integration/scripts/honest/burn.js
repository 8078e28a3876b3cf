// Iterations that only burn CPU (100 ms each): the worker's loop runs only
// between them, so c6 is the bottleneck (test_saturation.py).
export const options = { vus: 2, duration: '5s' };

export default function () {
  const t = Date.now();
  while (Date.now() - t < 100) {}
}
