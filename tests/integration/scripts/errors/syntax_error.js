// A syntax error on line 3.
export default function () {
  let x = ;
}
