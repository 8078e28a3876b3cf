import { SharedArray } from 'k6/data';
export const options = { vus: 1, iterations: 1 };
export default function () {
    try {
        new SharedArray('late', () => [1]);
        console.log('no error');
    } catch (e) {
        console.log('caught ' + e.message);
    }
}
