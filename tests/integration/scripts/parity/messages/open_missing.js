const data = open('./no_such_file_here.txt');
export default function () { console.log(data); }
