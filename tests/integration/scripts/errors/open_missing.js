// open() of a file that does not exist, in the init context.
const data = open('./no_such_file.txt');

export default function () {
  console.log(data);
}
