// Exports no default function.
export function notDefault() {}
