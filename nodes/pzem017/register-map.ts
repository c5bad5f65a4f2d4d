// PZEM register maps, per model family. One table drives the poll, the setup writes and the simulator.
// Sources: vortigont/pzem-edl src/pzem_modbus.hpp (PZ003_* for PZEM-003/017, REG_*/WREG_* for PZEM-004T v3),
// the PZEM-003/017 user manual ("Read and modify the slave parameters" table) and ESPHome
// esphome/components/pzemdc (`pzem_get_32bit`: 32-bit values low word first).
import type { AnsweredRanges } from '../common/modbus/block-read';
import { defineRegister, type RegisterFamily, type ValuesOf } from '../common/modbus/register';

const INPUT: RegisterFamily = { table: 'input', wordOrder: 'low-first' };
const HOLDING: RegisterFamily = { table: 'holding', wordOrder: 'low-first' };

/** PZEM-003/017 input registers 0x0000-0x0007 (pzem_modbus.hpp PZ003_RIR_*; "read 8 from 0x0000"). */
export const DC_MEASUREMENTS = [
  defineRegister(INPUT, 'voltage', 0x0000, { scale: 100, unit: 'V' }),
  defineRegister(INPUT, 'current', 0x0001, { scale: 100, unit: 'A' }),
  defineRegister(INPUT, 'power', 0x0002, { type: 'u32', scale: 10, unit: 'W' }),
  defineRegister(INPUT, 'energy', 0x0004, { type: 'u32', scale: 1, unit: 'Wh' }),
  // 0xFFFF alarm, 0x0000 none.
  defineRegister(INPUT, 'highVoltageAlarm', 0x0006),
  defineRegister(INPUT, 'lowVoltageAlarm', 0x0007),
] as const;

/** PZEM-004T v3 (and 014/016) input registers 0x0000-0x0009 (pzem_modbus.hpp REG_*). */
export const AC_MEASUREMENTS = [
  defineRegister(INPUT, 'voltage', 0x0000, { scale: 10, unit: 'V' }),
  defineRegister(INPUT, 'current', 0x0001, { type: 'u32', scale: 1000, unit: 'A' }),
  defineRegister(INPUT, 'power', 0x0003, { type: 'u32', scale: 10, unit: 'W' }),
  defineRegister(INPUT, 'energy', 0x0005, { type: 'u32', scale: 1, unit: 'Wh' }),
  defineRegister(INPUT, 'frequency', 0x0007, { scale: 10, unit: 'Hz' }),
  defineRegister(INPUT, 'powerFactor', 0x0008, { scale: 100 }),
  defineRegister(INPUT, 'powerAlarm', 0x0009),
] as const;

/** PZEM-003/017 holding registers (pzem_modbus.hpp PZ003_RHR_*, PZ003_RHR_CNT 4). */
export const DC_PARAMETERS = [
  defineRegister(HOLDING, 'highVoltageThreshold', 0x0000, { scale: 100, unit: 'V' }),
  defineRegister(HOLDING, 'lowVoltageThreshold', 0x0001, { scale: 100, unit: 'V' }),
  defineRegister(HOLDING, 'address', 0x0002),
  defineRegister(HOLDING, 'currentRange', 0x0003),
] as const;

/** PZEM-004T v3 holding registers (pzem_modbus.hpp WREG_ALARM_THR 0x0001 in 1 W, WREG_ADDR 0x0002). */
export const AC_PARAMETERS = [defineRegister(HOLDING, 'powerThreshold', 0x0001, { unit: 'W' }), defineRegister(HOLDING, 'address', 0x0002)] as const;

export type DcMeasurements = ValuesOf<typeof DC_MEASUREMENTS>;
export type AcMeasurements = ValuesOf<typeof AC_MEASUREMENTS>;
export type DcParameters = ValuesOf<typeof DC_PARAMETERS>;
export type AcParameters = ValuesOf<typeof AC_PARAMETERS>;

/** An alarm register's word: 0xFFFF alarm, 0x0000 none (pzem_modbus.hpp ALARM_PRESENT / ALARM_ABSENT). */
export const ALARM_ON = 0xffff;

export const DC_ANSWERED: AnsweredRanges = { input: [[0x0000, 0x0007]], holding: [[0x0000, 0x0003]] };
export const AC_ANSWERED: AnsweredRanges = { input: [[0x0000, 0x0009]], holding: [[0x0001, 0x0002]] };

/** Address register range (pzem_modbus.hpp ADDR_MIN 0x01 / ADDR_MAX 0xF7). */
export const MIN_ADDRESS = 0x01;
export const MAX_ADDRESS = 0xf7;
/** The catch-all address every PZEM answers; usable only with a single meter on the bus (pzem_modbus.hpp ADDR_ANY). */
export const GENERAL_ADDRESS = 0xf8;
/** Custom function: reset the energy counter; request `addr 0x42 CRC`, answer identical (pzem_modbus.hpp CMD_RST_ENRG). */
export const RESET_ENERGY_FC = 0x42;

/**
 * Current range codes of the PZEM-017's external shunt, holding 0x0003 (pzem_modbus.hpp PZ003_RHR_CURRENT_RANGE and
 * `pz003::shunt_t`: 0 = 100 A, 1 = 50 A, 2 = 200 A, 3 = 300 A).
 */
export const SHUNT_CODES: Readonly<Record<ShuntAmps, number>> = { 100: 0, 50: 1, 200: 2, 300: 3 };
export type ShuntAmps = 50 | 100 | 200 | 300;
export const SHUNT_AMPS: readonly ShuntAmps[] = [50, 100, 200, 300];

export function shuntOfCode(code: number): ShuntAmps | undefined {
  return SHUNT_AMPS.find((a) => SHUNT_CODES[a] === code);
}

/**
 * Alarm threshold ranges from the PZEM-003/017 user manual's parameter table: high-voltage 5-350 V (default 300 V),
 * low-voltage 1-350 V (default 7 V), both in 0.01 V. For the PZEM-004T power threshold pzem_modbus.hpp gives only the
 * unit (WREG_ALARM_THR, 1 W) and no range; the node keeps it to 1 W and the register's 16 bits.
 */
export const THRESHOLD_RANGES = {
  highVoltage: [5, 350],
  lowVoltage: [1, 350],
  power: [1, 0xffff],
} as const;
