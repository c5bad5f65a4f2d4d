// Owns one line to one inverter (serial port, TCP bridge or USB HID device) and its command queue, for every
// node that shares the inverter. The line opens when the first node registers, is reopened with capped
// backoff when it drops or the USB device vanishes, and closes when the last node leaves. An inverter that
// stops answering is the queue's business (retry, then back off), never a reason to reopen the line.
import { EventEmitter } from 'node:events';
import { Backoff } from '../common/backoff';
import { BusQueue } from '../common/bus-queue';
import { messageOf } from '../common/errors';
import { classifyPi30Error, LinkDownError } from './errors';
import type { LinkLoss, Pi30Link } from './link';
import { openLink } from './open-link';
import { describePort, type PortSettings } from './port-config';

export type LinkState = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface LinkStatus {
  state: LinkState;
  /** Why the link is down, when it is. */
  reason?: string;
  /** When the next reconnect attempt is due, in ms from now. */
  retryInMs?: number;
  /** The USB device disappeared and has not been reopened yet. */
  vanished?: boolean;
}

/** How long a command waits for a line that is being opened. */
const CONNECT_WAIT_MS = 5000;

export type LinkOpener = (settings: PortSettings) => Promise<Pi30Link>;

export class Pi30Connection extends EventEmitter {
  readonly queue: BusQueue;
  readonly description: string;
  private link: Pi30Link | undefined;
  private readonly users = new Set<string>();
  private readonly reconnect: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private status: LinkStatus = { state: 'idle' };
  private vanished = false;

  constructor(
    readonly settings: PortSettings,
    private readonly open: LinkOpener = (s) => openLink(s),
  ) {
    super();
    this.description = describePort(settings);
    this.reconnect = new Backoff(settings.reconnect);
    this.queue = new BusQueue({
      gapMs: settings.gapMs,
      retries: settings.retries,
      deviceBackoff: settings.deviceBackoff,
      classify: classifyPi30Error,
    });
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

  /** Resolves once the line is closed if this was the last user. */
  async deregister(userId: string): Promise<void> {
    this.users.delete(userId);
    if (this.users.size === 0) await this.shutdown();
  }

  /** Runs `op` with the open link when the line is free; nothing else uses the line meanwhile. */
  transact<T>(op: (link: Pi30Link) => Promise<T>): Promise<T> {
    // One inverter per port: the queue's device key is the port itself.
    return this.queue.run(this.description, async () => op(await this.openLink()));
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const link = this.link;
    this.link = undefined;
    this.vanished = false;
    this.setStatus({ state: 'idle' });
    if (link) await link.close();
  }

  private async openLink(): Promise<Pi30Link> {
    if (this.status.state === 'connecting') await this.settled(CONNECT_WAIT_MS);
    const link = this.link;
    if (!link || !link.isOpen) throw new LinkDownError(this.status.reason ?? this.status.state);
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
    let link: Pi30Link;
    try {
      link = await this.open(this.settings);
    } catch (err) {
      this.scheduleReconnect(messageOf(err));
      return;
    }
    if (this.users.size === 0) {
      // Everyone left while the line was opening.
      await link.close();
      return;
    }
    this.link = link;
    this.vanished = false;
    this.reconnect.reset();
    link.once('lost', (loss: LinkLoss) => {
      if (this.link !== link) return;
      this.link = undefined;
      if (loss.vanished) this.vanished = true;
      this.scheduleReconnect(loss.reason);
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
