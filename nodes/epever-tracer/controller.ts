// Everything the node can ask of one Epever controller, over any ModbusUnit. Writes are checked before
// anything goes on the wire and read back afterwards.
import { readGroup, RegisterWriteError, writeGroup } from '../common/modbus/block-read';
import type { ModbusUnit } from '../common/modbus/unit';
import { clockInZone, clockToIso, decodeClock, encodeClock, wallClockIn, type WallClock } from './clock';
import { EpeverCommandError, WRITE_COMMANDS, type Command } from './commands';
import { readPayload, type PollOptions, type WyandataPayload } from './reading';
import { BATTERY_SETTINGS, CLOCK_ADDRESS, CLOCK_WORDS, COIL_MANUAL_LOAD, RATED, REALTIME, type BatterySettings, type RatedData } from './register-map';
import { applyChange, toNamed, SettingsError, type NamedSettings } from './settings';

export interface ControllerOptions extends PollOptions {
  allowWrites: boolean;
  /** IANA zone of the controller's wall clock. */
  timeZone: string;
  now?: () => Date;
}

export type CommandResult =
  | WyandataPayload
  | NamedSettings
  | RatedData
  | { load: boolean }
  | { clock: string; time_zone: string };

const SYSTEM_VOLTAGE = REALTIME.find((d) => d.name === 'batteryRatedSystemVoltage')!;

export class EpeverController {
  private readonly now: () => Date;

  constructor(
    private readonly unit: ModbusUnit,
    private readonly options: ControllerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  poll(): Promise<WyandataPayload> {
    return readPayload(this.unit, this.options, this.now);
  }

  async run(command: Command): Promise<CommandResult> {
    if (WRITE_COMMANDS.has(command.kind) && !this.options.allowWrites) {
      throw new EpeverCommandError(`"${command.kind}" changes the controller; tick "allow writes" in the node to enable it`);
    }
    switch (command.kind) {
      case 'poll':
        return this.poll();
      case 'read-rated':
        return readGroup(this.unit, RATED);
      case 'read-settings':
        return toNamed(await this.readSettings());
      case 'read-clock':
        return this.clockReply(await this.readClock());
      case 'load':
        return { load: await this.setLoad(command.on) };
      case 'sync-clock':
        return this.clockReply(await this.syncClock());
      case 'write-settings':
        return this.writeSettings(command.change);
    }
  }

  private readSettings(): Promise<BatterySettings> {
    return readGroup(this.unit, BATTERY_SETTINGS);
  }

  private async readClock(): Promise<WallClock> {
    return decodeClock(await this.unit.readHoldingRegisters(CLOCK_ADDRESS, CLOCK_WORDS));
  }

  private clockReply(wall: WallClock): { clock: string; time_zone: string } {
    return { clock: clockInZone(wall, this.options.timeZone), time_zone: this.options.timeZone };
  }

  private async setLoad(on: boolean): Promise<boolean> {
    await this.unit.writeCoil(COIL_MANUAL_LOAD, on);
    const [state] = await this.unit.readCoils(COIL_MANUAL_LOAD, 1);
    if (state !== on) throw new EpeverCommandError(`load switch reads back ${state ? 'on' : 'off'} after writing ${on ? 'on' : 'off'}`);
    return state;
  }

  /** The controller keeps wall time with no zone; it gets the wall time of now in the node's time zone. */
  private async syncClock(): Promise<WallClock> {
    const wanted = wallClockIn(this.now(), this.options.timeZone);
    await this.unit.writeRegisters(CLOCK_ADDRESS, encodeClock(wanted));
    const readBack = await this.readClock();
    // Both are wall times of the same zone: compare them as if they were UTC.
    const asUtc = (t: WallClock) => Date.parse(clockToIso(t) + 'Z');
    if (!(Math.abs(asUtc(readBack) - asUtc(wanted)) <= 5000)) {
      throw new EpeverCommandError(`clock reads back ${clockToIso(readBack)} after writing ${clockToIso(wanted)}`);
    }
    return readBack;
  }

  private async writeSettings(change: unknown): Promise<NamedSettings> {
    const current = await this.readSettings();
    const [systemWord] = await this.unit.readInputRegisters(SYSTEM_VOLTAGE.address, 1);
    const systemVoltage = systemWord / SYSTEM_VOLTAGE.scale || 12;
    const next = applyChange(current, change, systemVoltage);
    try {
      await writeGroup(this.unit, BATTERY_SETTINGS, next);
    } catch (err) {
      if (!(err instanceof RegisterWriteError)) throw err;
      throw new SettingsError(`controller kept register 0x${err.address.toString(16)} at ${err.kept} instead of ${err.written}`);
    }
    return toNamed(await this.readSettings());
  }
}

