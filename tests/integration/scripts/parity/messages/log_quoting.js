// Log lines whose messages need quoting, or not (logrus's TextFormatter).
export const options = { iterations: 1 };
export default function () {
  console.log('cache-miss');
  console.log('/path/to.file@v1^2+3_x');
  console.log('two words');
  console.log('key=value');
  console.log('tab\there "quoted" back\\slash é');
  console.log('bell\u0007 nbsp\u00a0');
  console.log('');
  console.warn('done');
}
