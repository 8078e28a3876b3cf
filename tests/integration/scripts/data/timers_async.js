// await on a promise that a timer resolves; the iteration lasts as long as
// its timers (also ones left pending when the function returns).
export const options = { vus: 2, iterations: 4 };

const delay = (ms) => new Promise((r) => setTimeout(r, ms));

export default async function () {
    const t0 = Date.now();
    await delay(100);
    const v = await new Promise((r) => setTimeout(() => r('done'), 20));
    console.log('awaited ' + v + ' ' + (Date.now() - t0 >= 120));
    setTimeout(() => console.log('late timer ran'), 30);   // not awaited: still waited for
}
