// Imported by util.js with a path relative to lib/, not to the main script.
export const GREETING = 'hello';
