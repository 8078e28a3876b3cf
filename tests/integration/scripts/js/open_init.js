// open() in the init context: text (path relative to this script) and binary.
const users = JSON.parse(open('./data/users.json'));
const raw = open('./data/users.json', 'b');

export default function () {
  console.log(`users=${users.length} first=${users[0].name} bytes=${raw.byteLength} ` +
              `binary=${raw instanceof ArrayBuffer}`);
}
