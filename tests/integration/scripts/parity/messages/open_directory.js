// open() of a folder.
const d = open('./a_directory');
export default function () {}
