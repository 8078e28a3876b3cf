export function greet(who) {
  console.log(`hello, ${who}`);
}
