// One value kept in a node's context, through the callback API so persistent stores (localfilesystem,
// or a store that reaches a database) work as well as the memory store.
import type { NodeContext } from 'node-red';

export interface ContextState {
  load(): Promise<unknown>;
  save(value: unknown): Promise<void>;
}

export function contextState(context: NodeContext, key: string, store: string | undefined): ContextState {
  return {
    load: () =>
      new Promise((resolve, reject) => {
        context.get(key, store, (err: Error | null | undefined, value: unknown) => (err ? reject(err) : resolve(value)));
      }),
    save: (value) =>
      new Promise((resolve, reject) => {
        context.set(key, value, store, (err: Error | null | undefined) => (err ? reject(err) : resolve()));
      }),
  };
}
