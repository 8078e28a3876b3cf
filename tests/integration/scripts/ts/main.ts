// A k6 script in TypeScript: typed options, interfaces, generics, casts.
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Options } from 'k6/options';   // a type: dropped, as esbuild does
import type { Pair as P2 } from './helper.ts';
import { check, sleep, Checkers } from 'k6';   // sleep unused, Checkers a type
import { Counter } from 'k6/metrics';
import { buildUrl, Store, type Pair, type Mapper } from './helper.ts';

interface User {
  id: number;
  name: string;
  tags?: readonly string[];
  meta: { [key: string]: unknown };
}

type Status = 'ok' | 'fail';
type Lookup<T> = T extends string ? 'text' : T extends number ? 'num' : never;
declare function neverCalled(x: number): void;

export const options: Options = {
  vus: 1,
  iterations: 2,
  thresholds: { checks: ['rate==1'] },
};

const hits = new Counter('ts_hits');
const seen: Record<string, number> = {};
const pair: P2<string, Checkers> = { key: 'k', value: {} };
let counter: number = 0, label: string | null = null;

abstract class Named {
  abstract describe(): string;
  public greet(this: void): string { return 'hi'; }
}

class Person extends Named implements Pair<string, number> {
  key: string;
  value!: number;
  private static count = 0;
  constructor(name: string, age: number) {
    super();
    this.key = name;
    this.value = age;
    Person.count++;
  }
  describe(): string {
    return `${this.key}:${this.value}`;
  }
}

function pick<T, K extends keyof T>(obj: T, key: K): T[K] {
  return obj[key];
}

const double: Mapper<number> = (x: number): number => x * 2;
const status = (code: number): Status => (code === 200 ? 'ok' : 'fail');
const wrap = <T,>(v: T): { v: T } => ({ v });

export default function (): void {
  const res = http.get(buildUrl(__ENV.TARGET as string, '/')) as RefinedResponse<ResponseType>;
  const ok: boolean = check(res, {
    'status is 200': (r: RefinedResponse<ResponseType>): boolean => r.status === 200,
  });
  hits.add(1);
  counter += 1;
  label = status(res.status);
  const store = new Store<User>();
  store.put({ id: 1, name: 'ann', meta: {} }).put({ id: 2, name: 'bob', tags: ['x'], meta: { a: 1 } });
  const names: string[] = store.map<string>((u: User): string => u.name.toUpperCase());
  const p = new Person('zed', 40);
  const maybe: User | undefined = { id: 3, name: 'c', meta: {} } satisfies User;
  const cfg = { a: 1, b: ok ? 'yes' : 'no', c: [1, 2].map(double) } as const;
  const ratio: number = res.body!.length / 2 > 0 ? 1 : 0;
  const lookup: Lookup<string> = 'text';
  const tagged = <string[]>['one'];
  console.log(JSON.stringify({
    ok, label, counter, names, person: p.describe(), pick: pick(maybe!, 'name'),
    tags: store.get(2, 'tags'), cfg, ratio, lookup, wrapped: wrap(5), tagged,
  }));
}
