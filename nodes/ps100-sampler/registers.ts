// INA219 / INA226 register map and decoding. Registers are 16-bit, sent most significant byte first.
// Sources: Linux drivers/hwmon/ina2xx.c (register numbers, INA219_CONFIG_DEFAULT 0x399F, shunt_div 100/400,
// bus_voltage_shift 3/0, bus_voltage_lsb 4000/1250 µV, power_lsb_factor 20/25); ESPHome
// esphome/components/ina226/ina226.cpp (manufacturer 0xFE, die id 0xFF); TI INA219 datasheet (SBOS448) and
// INA226 datasheet (SBOS547) register descriptions for the flag bits.

export type ChipModel = 'INA219' | 'INA226';

export const REG = {
  config: 0x00,
  shuntVoltage: 0x01,
  busVoltage: 0x02,
  power: 0x03,
  current: 0x04,
  calibration: 0x05,
  /** INA226 only. */
  maskEnable: 0x06,
  /** INA226 only. */
  manufacturerId: 0xfe,
  /** INA226 only. */
  dieId: 0xff,
} as const;

/** Texas Instruments, "TI" in ASCII (INA226 register 0xFE). */
export const TI_MANUFACTURER_ID = 0x5449;
/** INA226 die id 0x2260: bits 15-4 the device (0x226), bits 3-0 the revision (0). */
export const INA226_DIE_ID = 0x2260;
/** What an INA219's configuration register holds after power-on or reset (ina2xx.c INA219_CONFIG_DEFAULT). */
export const INA219_RESET_CONFIG = 0x399f;
/** INA226 after power-on: AVG 1, both conversion times 0b100 = 1.1 ms (ina2xx.c INA226_TOTAL_CONV_TIME_DEFAULT comment), continuous. */
export const INA226_RESET_CONFIG = 0x4127;
export const CONFIG_RESET_BIT = 0x8000;

/** INA219 bus voltage register: bit 1 a conversion finished since the power register was last read, bit 0 overflow. */
export const INA219_CNVR = 0x0002;
export const INA219_OVF = 0x0001;
/** INA226 mask/enable register: bit 3 conversion ready (cleared by reading 0x06), bit 2 math overflow. */
export const INA226_CVRF = 0x0008;
export const INA226_OVF = 0x0004;

interface ChipScale {
  /** Shunt voltage per count, V. */
  readonly shuntLsbV: number;
  /** Bus voltage per count after the shift, V. */
  readonly busLsbV: number;
  readonly busShift: number;
  /** Power LSB = this × current LSB. */
  readonly powerLsbFactor: number;
  /** The constant of the calibration equation: CAL = k / (current LSB × R shunt). */
  readonly calibrationConstant: number;
  /** Largest calibration the register holds. */
  readonly maxCalibration: number;
  /** Shunt voltage at full scale of the widest range, V. */
  readonly shuntFullScaleV: number;
}

// INA219: 10 µV shunt LSB, 4 mV bus LSB in bits 15-3, power LSB 20 × current LSB, CAL = 0.04096 / (LSB × R),
// bit 0 of CAL unused (so at most 0xFFFE), ±320 mV at PGA /8. INA226: 2.5 µV, 1.25 mV, 25 ×, 0.00512, bit 15
// unused (at most 0x7FFF), ±81.92 mV. (ina2xx.c table; ESPHome ina219.cpp / ina226.cpp calibration.) The unused
// CAL bits are from the TI datasheets' calibration register figures, not checked against a public copy here.
export const SCALE: Readonly<Record<ChipModel, ChipScale>> = {
  INA219: {
    shuntLsbV: 10e-6,
    busLsbV: 4e-3,
    busShift: 3,
    powerLsbFactor: 20,
    calibrationConstant: 0.04096,
    maxCalibration: 0xfffe,
    shuntFullScaleV: 0.32,
  },
  INA226: {
    shuntLsbV: 2.5e-6,
    busLsbV: 1.25e-3,
    busShift: 0,
    powerLsbFactor: 25,
    calibrationConstant: 0.00512,
    maxCalibration: 0x7fff,
    shuntFullScaleV: 0.08192,
  },
};

/** A two's-complement 16-bit register (shunt voltage, current) as a signed number. */
export function signed16(raw: number): number {
  return raw & 0x8000 ? raw - 0x10000 : raw;
}

/**
 * SMBus "read word" puts the first byte on the wire in the low half (SMBus 2.0, 5.5.5), while INA registers
 * send their most significant byte first: i2c-bus readWord values must be swapped, and so must writeWord's.
 */
export function swapBytes(word: number): number {
  return ((word & 0xff) << 8) | ((word >> 8) & 0xff);
}

export function busVolts(model: ChipModel, raw: number): number {
  const scale = SCALE[model];
  return (raw >> scale.busShift) * scale.busLsbV;
}

export function shuntVolts(model: ChipModel, raw: number): number {
  return signed16(raw) * SCALE[model].shuntLsbV;
}

/** The INA219's flags live in the bus voltage register. */
export function ina219Flags(busRaw: number): { ready: boolean; overflow: boolean } {
  return { ready: (busRaw & INA219_CNVR) !== 0, overflow: (busRaw & INA219_OVF) !== 0 };
}

/** The INA226's flags live in the mask/enable register. */
export function ina226Flags(maskRaw: number): { ready: boolean; overflow: boolean } {
  return { ready: (maskRaw & INA226_CVRF) !== 0, overflow: (maskRaw & INA226_OVF) !== 0 };
}
