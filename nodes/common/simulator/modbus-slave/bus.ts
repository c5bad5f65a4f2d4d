// The devices sharing one server, as devices share one RS-485 bus: the addressed device answers, after its
// configured delay; a silent device, an absent unit id or a broadcast gets no answer.
import type { ModbusDevice } from './device';
import { handlePdu } from './pdu';

export interface BusReply {
  readonly unitId: number;
  readonly pdu: Buffer;
  /** The device wants its RTU answer sent with a broken CRC. */
  readonly corruptCrc: boolean;
}

/** Unit id 0 addresses every device at once; nobody answers it. */
export const BROADCAST_UNIT = 0;

export class SlaveBus {
  private readonly devices: readonly ModbusDevice[];
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;

  constructor(devices: readonly ModbusDevice[]) {
    const seen = new Set<number>();
    for (const device of devices) {
      if (!Number.isInteger(device.unitId) || device.unitId < 1 || device.unitId > 247) {
        throw new RangeError(`unit id ${device.unitId} is not 1..247`);
      }
      if (seen.has(device.unitId)) throw new Error(`two devices with unit id ${device.unitId}`);
      seen.add(device.unitId);
    }
    // Looked up on each request: a device may take a new address (a PZEM meter's address register).
    this.devices = [...devices];
  }

  /**
   * Handles one request and calls `send` with the reply when (and if) the device answers.
   * Resolves once the request is settled, so a transport can keep one transaction at a time.
   */
  request(unitId: number, pdu: Buffer, send: (reply: BusReply) => void): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (unitId === BROADCAST_UNIT) {
      for (const device of this.devices) handlePdu(device, pdu);
      return Promise.resolve();
    }
    const own = this.devices.find((d) => d.unitId === unitId);
    const listeners = own ? [own] : this.devices.filter((d) => d.generalUnitId === unitId);
    const talkers = listeners.filter((d) => !d.faults.silent);
    const device = talkers[0];
    if (!device) return Promise.resolve();
    // The device computes its answer when asked; the delay is the answer being late on the wire. Several
    // devices answering one general address talk over each other: the client hears a garbled frame.
    const answers = talkers.map((d) => handlePdu(d, pdu));
    const reply: BusReply = { unitId, pdu: answers[0], corruptCrc: device.faults.corruptCrc || talkers.length > 1 };
    const delayMs = Math.max(0, device.faults.delayMs);
    if (delayMs === 0) {
      send(reply);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          this.pending.delete(entry);
          if (!this.closed) send(reply);
          resolve();
        }, delayMs),
      };
      this.pending.add(entry);
    });
  }

  /** Drops late answers still waiting, so a closed server leaves no timer behind. */
  close(): void {
    this.closed = true;
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.pending.clear();
  }
}
