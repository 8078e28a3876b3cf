// An exception keeps its line and column in a TypeScript script.
interface Options { vus?: number }
export const options: Options = { vus: 1, iterations: 1 } as Options;

export default function (): void {
  const x: number = 1 as number; throw new Error('line six');
}
