// A handleSummary that throws: the error is logged, the default summary shown.
export const options = { iterations: 1 };
export default function () {}
export function handleSummary(data) {
  throw new Error('summary boom');
}
