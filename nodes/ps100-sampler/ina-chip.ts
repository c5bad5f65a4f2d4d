// One INA219 or INA226 on the bus: which chip it is, setting it up for the panel, and reading one sample.
// Word reads and writes go through SMBus, whose byte order is the reverse of the chip's (registers.ts).
import { calibrationFor, conversionFor, type Calibration, type Conversion, type PanelElectrical } from './calibration';
import type { I2cBus } from './i2c';
import {
  busVolts,
  CONFIG_RESET_BIT,
  INA219_RESET_CONFIG,
  INA226_DIE_ID,
  ina219Flags,
  ina226Flags,
  REG,
  signed16,
  swapBytes,
  TI_MANUFACTURER_ID,
  type ChipModel,
} from './registers';

export type ChipChoice = ChipModel | 'auto';

export interface ChipSettings extends PanelElectrical {
  readonly address: number;
  readonly chip: ChipChoice;
}

export interface ChipSample {
  /** Bus voltage, V. */
  readonly voltage: number;
  /** A, signed. */
  readonly current: number;
  /** W, from the chip's power register. */
  readonly power: number;
  /** The chip's math overflowed: current or power above what the calibration can show. */
  readonly overflow: boolean;
}

/** What a read came to: a fresh sample, or why there is none this tick. */
export type ChipRead =
  | { readonly kind: 'sample'; readonly sample: ChipSample }
  /** No conversion finished since the last read (a duplicate is not a sample). */
  | { readonly kind: 'stale' }
  /** The calibration read 0 (a brown-out reset the chip): it was set up again. */
  | { readonly kind: 'recalibrated' }
  /** No conversion for several ticks: the configuration was written again to restart it. */
  | { readonly kind: 'restarted' };

export class NotAnInaError extends Error {
  constructor(address: number, detail: string) {
    super(`no INA219 or INA226 at 0x${address.toString(16)}: ${detail}`);
    this.name = 'NotAnInaError';
  }
}

/** Stale reads in a row after which the conversion is taken as stuck. */
export const STUCK_AFTER_READS = 5;

/** The model at an address: INA226 by its manufacturer and die id, else INA219 by its configuration after reset. */
export async function detectChip(bus: I2cBus, address: number): Promise<ChipModel> {
  const read = async (reg: number) => swapBytes(await bus.readWord(address, reg));
  // An INA219 has no registers 0xFE/0xFF; what it answers there is not TI's id and die 0x226.
  const manufacturer = await read(REG.manufacturerId);
  const die = await read(REG.dieId);
  if (manufacturer === TI_MANUFACTURER_ID && die >> 4 === INA226_DIE_ID >> 4) return 'INA226';
  // The INA219 is told apart by its reset value: reset it, then read the configuration back.
  await bus.writeWord(address, REG.config, swapBytes(CONFIG_RESET_BIT));
  const config = await read(REG.config);
  if (config === INA219_RESET_CONFIG) return 'INA219';
  throw new NotAnInaError(address, `manufacturer 0x${hex(manufacturer)}, die 0x${hex(die)}, configuration after reset 0x${hex(config)}`);
}

export class InaChip {
  readonly calibration: Calibration;
  readonly conversion: Conversion;
  /** Times the calibration was found at 0 and set again. */
  recalibrations = 0;
  /** Times a stuck conversion was restarted. */
  restarts = 0;
  private staleReads = 0;

  constructor(
    private readonly bus: I2cBus,
    readonly model: ChipModel,
    readonly settings: ChipSettings,
    samplePeriodMs: number,
  ) {
    this.calibration = calibrationFor(model, settings);
    this.conversion = conversionFor(model, settings, samplePeriodMs);
  }

  /** Writes configuration and calibration and checks the calibration reads back. */
  async setUp(): Promise<void> {
    await this.write(REG.config, this.conversion.config);
    await this.write(REG.calibration, this.calibration.register);
    const back = await this.read(REG.calibration);
    if (back !== this.calibration.register) {
      throw new NotAnInaError(this.settings.address, `calibration 0x${hex(this.calibration.register)} reads back as 0x${hex(back)}`);
    }
    this.staleReads = 0;
  }

  /**
   * One sample: INA226 mask/enable (ready, overflow; reading it clears the ready flag), bus voltage, current,
   * power; INA219 bus voltage (ready, overflow), current, power (reading power clears its ready flag).
   */
  async sample(): Promise<ChipRead> {
    let flags: { ready: boolean; overflow: boolean };
    let busRaw: number;
    if (this.model === 'INA226') {
      flags = ina226Flags(await this.read(REG.maskEnable));
      busRaw = await this.read(REG.busVoltage);
    } else {
      busRaw = await this.read(REG.busVoltage);
      flags = ina219Flags(busRaw);
    }
    const currentRaw = await this.read(REG.current);
    const powerRaw = await this.read(REG.power);
    // Linux ina2xx.c ina2xx_read_reg: a current or power of 0 may mean the chip reset (calibration 0 keeps
    // them at 0); read the calibration and, if it is 0, set the chip up again.
    if ((currentRaw === 0 || powerRaw === 0) && (await this.read(REG.calibration)) === 0) {
      this.recalibrations++;
      await this.setUp();
      return { kind: 'recalibrated' };
    }
    if (!flags.ready) {
      this.staleReads++;
      if (this.staleReads < STUCK_AFTER_READS) return { kind: 'stale' };
      this.restarts++;
      // Writing the configuration starts a new conversion (and clears the ready flag).
      await this.write(REG.config, this.conversion.config);
      this.staleReads = 0;
      return { kind: 'restarted' };
    }
    this.staleReads = 0;
    return {
      kind: 'sample',
      sample: {
        voltage: busVolts(this.model, busRaw),
        current: signed16(currentRaw) * this.calibration.currentLsbA,
        power: powerRaw * this.calibration.powerLsbW,
        overflow: flags.overflow,
      },
    };
  }

  private async read(reg: number): Promise<number> {
    return swapBytes(await this.bus.readWord(this.settings.address, reg));
  }

  private write(reg: number, value: number): Promise<void> {
    return this.bus.writeWord(this.settings.address, reg, swapBytes(value));
  }
}

const hex = (n: number) => n.toString(16).padStart(4, '0');
