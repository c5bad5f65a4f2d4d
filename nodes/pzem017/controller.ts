// Everything the node can ask of one PZEM meter. Writes go one register at a time (FC6: PZEM meters have no
// FC16, devices-and-services.md 3.1) and are read back before the node says they are done.
import { readGroup } from '../common/modbus/block-read';
import { encodeRegister } from '../common/modbus/register-codec';
import type { RegisterDef } from '../common/modbus/register';
import type { ModbusUnit } from '../common/modbus/unit';
import { CommandError, WRITE_COMMANDS, type Command, type Thresholds } from './commands';
import { MODEL_INFO, type PzemModel } from './models';
import { readPayload, type PzemPayload } from './reading';
import { AC_PARAMETERS, DC_PARAMETERS, GENERAL_ADDRESS, RESET_ENERGY_FC, SHUNT_CODES, shuntOfCode, type ShuntAmps } from './register-map';

export interface ControllerOptions {
  model: PzemModel;
  unitId: number;
  allowWrites: boolean;
  /** PZEM-017: the shunt range written on deploy where the meter differs; undefined leaves it alone. */
  shunt?: ShuntAmps;
  now?: () => Date;
}

/** The meter's setup as read from its holding registers. */
export interface MeterSettings {
  address: number;
  high_voltage_threshold?: number;
  low_voltage_threshold?: number;
  /** PZEM-017 only, A; undefined for a code the manual does not list. */
  shunt_a?: ShuntAmps | null;
  power_threshold?: number;
}

export type CommandResult = PzemPayload | MeterSettings | { energy_reset: true } | { address: number; previous: number };

/** Opens a view of another unit id on the same bus (the general address, a new address). */
export type UnitAt = (unitId: number) => ModbusUnit;

const DC = Object.fromEntries(DC_PARAMETERS.map((d) => [d.name, d])) as Record<(typeof DC_PARAMETERS)[number]['name'], RegisterDef>;
const AC = Object.fromEntries(AC_PARAMETERS.map((d) => [d.name, d])) as Record<(typeof AC_PARAMETERS)[number]['name'], RegisterDef>;

export class PzemController {
  private readonly now: () => Date;
  private readonly dc: boolean;
  /** The shunt apply still to do (once per deploy, retried with each poll until it succeeds). */
  private setupPending: boolean;

  constructor(
    private readonly unitAt: UnitAt,
    private readonly options: ControllerOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.dc = MODEL_INFO[options.model].kind === 'dc';
    this.setupPending = options.allowWrites && options.shunt !== undefined && MODEL_INFO[options.model].shunt;
  }

  private get unit(): ModbusUnit {
    return this.unitAt(this.options.unitId);
  }

  async poll(): Promise<PzemPayload> {
    if (this.setupPending) {
      await this.applyShunt(this.options.shunt!);
      this.setupPending = false;
    }
    return readPayload(this.unit, this.options.model, this.now);
  }

  async run(command: Command): Promise<CommandResult> {
    if (WRITE_COMMANDS.has(command.kind) && !this.options.allowWrites) {
      throw new CommandError(`"${command.kind}" changes the meter; tick "allow writes" in the node to enable it`);
    }
    switch (command.kind) {
      case 'poll':
        return this.poll();
      case 'read-settings':
        return this.readSettings(this.unit);
      case 'set-shunt':
        if (!MODEL_INFO[this.options.model].shunt) throw new CommandError(`${this.options.model} has no shunt range to set (PZEM-017 only)`);
        await this.applyShunt(command.amps);
        return this.readSettings(this.unit);
      case 'set-alarms':
        await this.setThresholds(command.thresholds);
        return this.readSettings(this.unit);
      case 'reset-energy':
        await this.resetEnergy();
        return { energy_reset: true };
      case 'set-address':
        return this.setAddress(command.address);
    }
  }

  async readSettings(unit: ModbusUnit): Promise<MeterSettings> {
    if (this.dc) {
      const v = await readGroup(unit, DC_PARAMETERS);
      const settings: MeterSettings = {
        address: v.address,
        high_voltage_threshold: v.highVoltageThreshold,
        low_voltage_threshold: v.lowVoltageThreshold,
      };
      if (MODEL_INFO[this.options.model].shunt) settings.shunt_a = shuntOfCode(v.currentRange) ?? null;
      return settings;
    }
    const v = await readGroup(unit, AC_PARAMETERS);
    return { address: v.address, power_threshold: v.powerThreshold };
  }

  /** Writes one holding register and reads it back. */
  private async writeChecked(unit: ModbusUnit, def: RegisterDef, value: number, what: string): Promise<void> {
    const [word] = encodeRegister(def, value);
    await unit.writeRegister(def.address, word);
    const [kept] = await unit.readHoldingRegisters(def.address, 1);
    if (kept !== word) throw new CommandError(`the meter kept ${what} at ${kept} instead of ${word}`);
  }

  /** Reads the range register and writes it only where it differs (the flash of a meter is not written for nothing). */
  private async applyShunt(amps: ShuntAmps): Promise<void> {
    const [code] = await this.unit.readHoldingRegisters(DC.currentRange.address, 1);
    if (code === SHUNT_CODES[amps]) return;
    await this.writeChecked(this.unit, DC.currentRange, SHUNT_CODES[amps], 'the current range');
  }

  private async setThresholds(t: Thresholds): Promise<void> {
    if (this.dc) {
      if (t.power !== undefined) throw new CommandError(`${this.options.model} has voltage alarms only (high_voltage, low_voltage)`);
      const current = await readGroup(this.unit, DC_PARAMETERS);
      const high = t.high_voltage ?? current.highVoltageThreshold;
      const low = t.low_voltage ?? current.lowVoltageThreshold;
      if (low >= high) throw new CommandError(`low_voltage ${low} V must be below high_voltage ${high} V`);
      if (t.high_voltage !== undefined) await this.writeChecked(this.unit, DC.highVoltageThreshold, t.high_voltage, 'the high-voltage threshold');
      if (t.low_voltage !== undefined) await this.writeChecked(this.unit, DC.lowVoltageThreshold, t.low_voltage, 'the low-voltage threshold');
      return;
    }
    if (t.power === undefined) throw new CommandError(`${this.options.model} has a power alarm only (power, W)`);
    await this.writeChecked(this.unit, AC.powerThreshold, t.power, 'the power threshold');
  }

  /** Custom function 0x42 with no data; the meter answers with the request's own bytes (addr 0x42 CRC). */
  private async resetEnergy(): Promise<void> {
    await this.unit.customFunction(RESET_ENERGY_FC, []);
  }

  /**
   * Only a meter alone on the bus may take a new address through the general address 0xF8: every meter answers
   * it. A first read there finds out: several meters answering at once garble the reply, and the change is
   * refused. The change counts once the meter answers at its new address with that address.
   */
  private async setAddress(address: number): Promise<{ address: number; previous: number }> {
    const general = this.unitAt(GENERAL_ADDRESS);
    let previous: number;
    try {
      [previous] = await general.readHoldingRegisters(DC.address.address, 1);
    } catch (err) {
      throw new CommandError(
        `no single clean answer at the general address 0x${GENERAL_ADDRESS.toString(16)} (${(err as Error).message}); ` +
          'connect only the meter to re-address and try again',
      );
    }
    await general.writeRegister(DC.address.address, address);
    const [kept] = await this.unitAt(address).readHoldingRegisters(DC.address.address, 1);
    if (kept !== address) throw new CommandError(`the meter answers at ${address} but says its address is ${kept}`);
    return { address, previous };
  }
}
