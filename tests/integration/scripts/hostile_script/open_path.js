// open(__ENV.FILE) in init, text or binary (__ENV.MODE): what a hostile script asks of c6's file reader
const data = open(__ENV.FILE, __ENV.MODE || undefined);
export default function () {
  console.log(`read ${data.length || data.byteLength}`);
}
