// The Modbus bus: one shared port (serial or socket) and one transaction queue for every device node on it.
import { BusQueue } from '../common/bus-queue';
import type { ModbusUnit } from '../common/modbus/unit';
import { SharedLink } from '../common/shared-link';
import type { BusSettings } from './bus-config';
import { classifyModbusError, closeClient, explainFailure, openClient, unitThrough, type ModbusClient } from './modbus-client';

export type { LinkState, LinkStatus } from '../common/shared-link';

type Opener = (settings: BusSettings) => Promise<ModbusClient>;

export class ModbusConnection extends SharedLink<ModbusClient> {
  readonly queue: BusQueue;

  constructor(
    readonly settings: BusSettings,
    open: Opener = openClient,
  ) {
    super(
      {
        open: () => open(settings),
        isOpen: (client) => client.isOpen,
        close: closeClient,
        whenLost: (client, lost) => client.once('close', () => lost('port closed', false)),
      },
      settings.reconnect,
      'bus',
    );
    this.queue = new BusQueue({
      gapMs: settings.gapMs,
      retries: settings.retries,
      deviceBackoff: settings.deviceBackoff,
      classify: classifyModbusError,
    });
  }

  /**
   * Runs one Modbus transaction for `unitId` when the bus is free. `op` gets the client with the unit id set;
   * nothing else touches the client meanwhile.
   */
  transact<T>(unitId: number, op: (client: ModbusClient) => Promise<T>): Promise<T> {
    return this.queue.run(unitId, async () => {
      const client = await this.openLink();
      client.setID(unitId);
      try {
        return await op(client);
      } catch (err) {
        throw explainFailure(err, unitId, this.settings.timeoutMs);
      }
    });
  }

  /** A view of one device on this bus, for device engines. */
  unit(unitId: number): ModbusUnit {
    return unitThrough((op) => this.transact(unitId, op), this.settings.transport);
  }
}
