// A bus as simple pollers drive one: a FIFO with the configured retries on every request and no memory of
// which device stopped answering, so each poll of a dead device costs (1 + retries) timeouts on the line.
import type { ModbusUnit } from '../../nodes/common/modbus/unit';
import type { BusSettings } from '../../nodes/modbus-bus/bus-config';
import { classifyModbusError, closeClient, openClient, unitThrough, type ModbusClient } from '../../nodes/modbus-bus/modbus-client';
import { TransactionLog } from './transaction-log';

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class NaiveBus {
  readonly log = new TransactionLog();
  private tail: Promise<void> = Promise.resolve();

  private constructor(
    private readonly client: ModbusClient,
    private readonly settings: BusSettings,
  ) {}

  static async open(settings: BusSettings): Promise<NaiveBus> {
    return new NaiveBus(await openClient(settings), settings);
  }

  unit(unitId: number): ModbusUnit {
    return unitThrough((op) => this.transact(unitId, op), this.settings.transport);
  }

  close(): Promise<void> {
    return closeClient(this.client);
  }

  private transact<T>(unitId: number, op: (client: ModbusClient) => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.withRetries(unitId, op));
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async withRetries<T>(unitId: number, op: (client: ModbusClient) => Promise<T>): Promise<T> {
    const attempt = this.log.wrap(unitId, () => {
      this.client.setID(unitId);
      return op(this.client);
    });
    for (let i = 0; ; i++) {
      if (this.settings.gapMs > 0) await pause(this.settings.gapMs);
      try {
        return await attempt();
      } catch (err) {
        const kind = classifyModbusError(err);
        if ((kind === 'no-answer' || kind === 'garbled') && i < this.settings.retries) continue;
        throw err;
      }
    }
  }
}
