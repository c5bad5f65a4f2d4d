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

/**
 * Dashboard 2's last message for widget `id` once `accept` takes it. Dashboard 2 pushes to browsers only, so this
 * asks its datastore again until the value arrives or `ms` pass; the error names what was last there.
 */
export async function waitForDashboard2Value(
  url: string,
  id: string,
  accept: (stored: Record<string, unknown>) => boolean = () => true,
  ms = 20_000,
): Promise<Record<string, unknown>> {
  let stored: Record<string, unknown> | undefined;
  for (const deadline = Date.now() + ms; ;) {
    stored = await dashboard2Value(url, id);
    if (stored && accept(stored)) return stored;
    if (Date.now() > deadline) throw new Error(`Dashboard 2 widget ${id}: nothing accepted in ${ms} ms; last ${JSON.stringify(stored)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
