export default function () {
  console.log("small ran");
}
