// An exception thrown in an imported .ts module keeps that module's line.
import { Store, buildUrl } from './helper.ts';

export const options = { iterations: 1 };

export default function (): void {
  const s = new Store<{ id: number }>();
  s.put({ id: 1 });
  s.map<number>((x: { id: number }, i?: number): number => {
    throw new Error(`mapped ${x.id} ${buildUrl('a', '/b')}`);
  });
}
