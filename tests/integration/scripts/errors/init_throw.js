// Throws while the script is being loaded (init context).
export default function () {}

throw new Error('boom in init');
