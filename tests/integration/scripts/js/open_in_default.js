// open() is only allowed in the init context; in an iteration it throws.
export default function () {
  console.log('before open');
  open('./data/users.json');
  console.log('after open');
}
