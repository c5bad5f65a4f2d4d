// What a browser on each dashboard would show, read without a browser. The 1.x dashboard pushes every widget's
// value over socket.io ('update-value' with the widget's id) and replays the last ones on 'ui-replay-state';
// Dashboard 2 keeps each widget's last message in a datastore it serves for debugging.
import { io, type Socket } from 'socket.io-client';

export interface UiUpdate {
  id: string;
  value?: unknown;
  [key: string]: unknown;
}

/** A client of the 1.x dashboard at `<url>/ui`, as the dashboard's own page connects (polling first). */
export class Dashboard1xClient {
  private readonly socket: Socket;
  private readonly updates: UiUpdate[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(url: string, path = '/ui/socket.io') {
    this.socket = io(url, { path, transports: ['polling', 'websocket'], reconnection: false });
    this.socket.on('update-value', (update: UiUpdate) => {
      this.updates.push(update);
      for (const wake of this.waiters) wake();
    });
    this.socket.on('connect', () => this.socket.emit('ui-replay-state'));
  }

  /** Every update seen so far for widget `id`. */
  valuesOf(id: string): UiUpdate[] {
    return this.updates.filter((u) => u.id === id);
  }

  /** The first update of widget `id` that `accept` takes, waiting for it up to `ms`. */
  waitFor(id: string, accept: (update: UiUpdate) => boolean = () => true, ms = 15_000): Promise<UiUpdate> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.updates.find((u) => u.id === id && accept(u));
        if (!hit) return false;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.valuesOf(id).map((u) => JSON.stringify(u.value));
        reject(new Error(`widget ${id}: no accepted value in ${ms} ms (seen: ${seen.join(', ') || 'none'})`));
      }, ms);
      if (!check()) this.waiters.add(check);
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** The last message Dashboard 2 holds for widget `id` (what a browser opening the page gets), or undefined. */
export async function dashboard2Value(url: string, id: string, base = '/dashboard'): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(`${url}${base}/_debug/datastore/${id}`);
  if (!response.ok) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  const data = JSON.parse(text) as unknown;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
}
