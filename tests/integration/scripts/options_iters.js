// Script options say 3 iterations; flags, env and config files compete with it.
export const options = { iterations: 3 };

export default function () {
  console.log('iteration');
}
