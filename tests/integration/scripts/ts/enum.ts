export const options = { iterations: 1 };

// esbuild turns this into code; c6 only erases types
enum Color { Red, Green }

export default function () {}
