// No script options: only a config file, env or flags set the iterations.
export default function () {
  console.log('iteration');
}
