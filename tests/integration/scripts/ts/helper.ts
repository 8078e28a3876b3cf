// A TypeScript module imported by main.ts: typed exports, a generic class.
export interface Pair<K, V> {
  key: K;
  value: V;
}

export type Mapper<T, R = T> = (x: T, index?: number) => R;

declare const __ENV: { [name: string]: string | undefined };

export function buildUrl(base: string, path: string = '/'): string {
  return base.replace(/\/$/, '') + path;
}

export class Store<T extends { id: number }> {
  private readonly items: Map<number, T> = new Map<number, T>();
  public static created: number = 0;
  protected last?: T;

  constructor() {
    Store.created++;
  }

  put(item: T): this {
    this.items.set(item.id, item);
    this.last = item;
    return this;
  }

  get<K extends keyof T>(id: number, field: K): T[K] | undefined {
    const it: T | undefined = this.items.get(id);
    return it ? it[field] : undefined;
  }

  map<R>(fn: Mapper<T, R>): R[] {
    return [...this.items.values()].map((x: T, i: number): R => fn(x, i));
  }
}
