export const options = { iterations: 1, vus: 1 };
export default function () {}
export function handleSummary(data) {
  return { 'stdout': JSON.stringify({ has_setup_data: 'setup_data' in data }) + '\n' };
}
