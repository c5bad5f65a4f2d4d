// One physical link (serial port, socket, USB device) shared by every node that talks through it. It opens when
// the first user registers, reopens with capped backoff when it drops, and closes when the last user leaves.
// A device that stops answering is the transaction queue's business, never a reason to reopen the link.
import { EventEmitter } from 'node:events';
import { Backoff, type BackoffOptions } from './backoff';
import type { FailureKind } from './bus-queue';
import { messageOf } from './errors';

export type LinkState = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface LinkStatus {
  state: LinkState;
  /** Why the link is down, when it is. */
  reason?: string;
  /** When the next reconnect attempt is due, in ms from now. */
  retryInMs?: number;
  /** The device itself disappeared (a USB device unplugged or reset) and has not been reopened yet. */
  vanished?: boolean;
}

/** What the shared link needs to know about one kind of transport. */
export interface LinkDriver<L> {
  open(): Promise<L>;
  isOpen(link: L): boolean;
  close(link: L): Promise<void>;
  /** Calls `lost` once if the link drops by itself. */
  whenLost(link: L, lost: (reason: string, vanished: boolean) => void): void;
}

export class LinkDownError extends Error {
  readonly kind: FailureKind = 'link';
  constructor(reason: string, subject = 'port') {
    super(`${subject} not connected: ${reason}`);
    this.name = 'LinkDownError';
  }
}

/** How long a request waits for a link that is being opened. */
const CONNECT_WAIT_MS = 5000;

export class SharedLink<L> extends EventEmitter {
  private link: L | undefined;
  private readonly users = new Set<string>();
  private readonly reconnect: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private status: LinkStatus = { state: 'idle' };
  private vanished = false;

  constructor(
    private readonly driver: LinkDriver<L>,
    reconnect: BackoffOptions,
    /** What users call the link, in error messages: "bus", "port". */
    private readonly subject: string,
  ) {
    super();
    // Every user of the link follows its status, and one port may carry many devices (an RS-485 bus up to 247
    // units, an inverter read by several nodes): more than Node's default of 10 listeners is normal, not a leak.
    this.setMaxListeners(0);
    this.reconnect = new Backoff(reconnect);
  }

  get linkStatus(): LinkStatus {
    return this.status;
  }

  get userCount(): number {
    return this.users.size;
  }

  register(userId: string): void {
    this.users.add(userId);
    if (this.users.size === 1 && this.status.state === 'idle') void this.connect();
  }

  /** Resolves once the link is closed if this was the last user. */
  async deregister(userId: string): Promise<void> {
    this.users.delete(userId);
    if (this.users.size === 0) await this.shutdown();
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const link = this.link;
    this.link = undefined;
    this.vanished = false;
    this.setStatus({ state: 'idle' });
    if (link) await this.driver.close(link);
  }

  /** The open link; a request that arrives while it is being opened waits for it, briefly. */
  protected async openLink(): Promise<L> {
    if (this.status.state === 'connecting') await this.settled(CONNECT_WAIT_MS);
    const link = this.link;
    if (!link || !this.driver.isOpen(link)) throw new LinkDownError(this.status.reason ?? this.status.state, this.subject);
    return link;
  }

  private settled(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.off('status', onStatus);
        resolve();
      };
      const onStatus = (s: LinkStatus) => s.state !== 'connecting' && finish();
      const timer = setTimeout(finish, ms);
      this.on('status', onStatus);
    });
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    this.setStatus({ state: 'connecting', vanished: this.vanished || undefined });
    let link: L;
    try {
      link = await this.driver.open();
    } catch (err) {
      this.scheduleReconnect(messageOf(err));
      return;
    }
    if (this.users.size === 0) {
      // Everyone left while the link was opening.
      await this.driver.close(link);
      return;
    }
    this.link = link;
    this.vanished = false;
    this.reconnect.reset();
    this.driver.whenLost(link, (reason, vanished) => {
      if (this.link !== link) return;
      this.link = undefined;
      if (vanished) this.vanished = true;
      this.scheduleReconnect(reason);
    });
    this.setStatus({ state: 'connected' });
  }

  private scheduleReconnect(reason: string): void {
    if (this.users.size === 0) {
      this.setStatus({ state: 'idle' });
      return;
    }
    const retryInMs = this.reconnect.fail();
    this.setStatus({ state: 'disconnected', reason, retryInMs, vanished: this.vanished || undefined });
    this.reconnectTimer = setTimeout(() => void this.connect(), retryInMs);
  }

  private setStatus(status: LinkStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}
