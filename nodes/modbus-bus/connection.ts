// Owns one port (serial or socket) and its transaction queue for every device node on the bus.
// The port opens when the first user registers, reconnects with capped backoff when it drops, and closes
// when the last user leaves. A silent device is the queue's business, never a reason to reopen the port.
import { EventEmitter } from 'node:events';
import { Backoff } from '../common/backoff';
import { BusQueue } from '../common/bus-queue';
import { messageOf } from '../common/errors';
import type { ModbusUnit } from '../common/modbus-unit';
import type { BusSettings } from './bus-config';
import { classifyModbusError, closeClient, explainFailure, openClient, unitThrough, type ModbusClient } from './modbus-client';

export type LinkState = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface LinkStatus {
  state: LinkState;
  /** Why the link is down, when it is. */
  reason?: string;
  /** When the next reconnect attempt is due, in ms from now. */
  retryInMs?: number;
}

export class LinkDownError extends Error {
  constructor(reason: string) {
    super(`bus not connected: ${reason}`);
    this.name = 'LinkDownError';
  }
}

/** How long a request waits for a port that is being opened. */
const CONNECT_WAIT_MS = 5000;

type Opener = (settings: BusSettings) => Promise<ModbusClient>;

export class ModbusConnection extends EventEmitter {
  readonly queue: BusQueue;
  private client: ModbusClient | undefined;
  private readonly users = new Set<string>();
  private readonly reconnect: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private status: LinkStatus = { state: 'idle' };

  constructor(
    readonly settings: BusSettings,
    private readonly open: Opener = openClient,
  ) {
    super();
    this.reconnect = new Backoff(settings.reconnect);
    this.queue = new BusQueue({
      gapMs: settings.gapMs,
      retries: settings.retries,
      deviceBackoff: settings.deviceBackoff,
      classify: classifyModbusError,
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

  /** Resolves once the port is closed if this was the last user. */
  async deregister(userId: string): Promise<void> {
    this.users.delete(userId);
    if (this.users.size === 0) await this.shutdown();
  }

  /**
   * Runs one Modbus transaction for `unitId` when the bus is free. `op` gets the client with the unit id set;
   * nothing else touches the client meanwhile.
   */
  transact<T>(unitId: number, op: (client: ModbusClient) => Promise<T>): Promise<T> {
    return this.queue.run(unitId, async () => {
      const client = await this.openClient();
      client.setID(unitId);
      try {
        return await op(client);
      } catch (err) {
        throw explainFailure(err, unitId, this.settings.timeoutMs);
      }
    });
  }

  /** The open client; a request that arrives while the port is opening waits for it, briefly. */
  private async openClient(): Promise<ModbusClient> {
    if (this.status.state === 'connecting') await this.settled(CONNECT_WAIT_MS);
    const client = this.client;
    if (!client || !client.isOpen) throw new LinkDownError(this.status.reason ?? this.status.state);
    return client;
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

  /** A view of one device on this bus, for device engines. */
  unit(unitId: number): ModbusUnit {
    return unitThrough((op) => this.transact(unitId, op));
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const client = this.client;
    this.client = undefined;
    this.setStatus({ state: 'idle' });
    if (client) await closeClient(client);
  }

  private async connect(): Promise<void> {
    this.reconnectTimer = undefined;
    this.setStatus({ state: 'connecting' });
    let client: ModbusClient | undefined;
    try {
      client = await this.open(this.settings);
    } catch (err) {
      this.scheduleReconnect(messageOf(err));
      return;
    }
    if (this.users.size === 0) {
      // Everyone left while the port was opening.
      await closeClient(client);
      return;
    }
    this.client = client;
    this.reconnect.reset();
    client.once('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.scheduleReconnect('port closed');
    });
    this.setStatus({ state: 'connected' });
  }

  private scheduleReconnect(reason: string): void {
    if (this.users.size === 0) {
      this.setStatus({ state: 'idle' });
      return;
    }
    const retryInMs = this.reconnect.fail();
    this.setStatus({ state: 'disconnected', reason, retryInMs });
    this.reconnectTimer = setTimeout(() => void this.connect(), retryInMs);
  }

  private setStatus(status: LinkStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}
