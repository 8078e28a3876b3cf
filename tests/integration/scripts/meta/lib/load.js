// A module next to its data: import.meta.resolve makes open() module-relative.
export const here = JSON.parse(open(import.meta.resolve('./data.json')));
export const plain = JSON.parse(open('./data.json'));   // open() itself: relative to the main script
export const url = import.meta.url;
