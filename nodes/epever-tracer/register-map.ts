// Epever Tracer AN/BN register map (Modbus protocol v2.5). One table drives the reader, the block planner,
// the settings writer and the simulator, so they cannot disagree about an address or a scale.
import type { AnsweredRanges } from '../common/modbus/block-read';
import { defineRegister, type RegisterDef, type RegisterFamily, type RegisterType, type ValuesOf } from '../common/modbus/register';

// Epever stores 32-bit values low word first (v2.5: "L" at the lower address, "H" after it).
const INPUT: RegisterFamily = { table: 'input', wordOrder: 'low-first' };
const HOLDING: RegisterFamily = { table: 'holding', wordOrder: 'low-first' };

/** An input register; most Epever values are hundredths of their unit. */
function reg<N extends string>(name: N, address: number, unit: string, scale = 100, type: RegisterType = 'u16'): RegisterDef<N> {
  return defineRegister(INPUT, name, address, { type, scale, unit });
}

/** A holding register (a setting), 16 bits. */
function setting<N extends string>(name: N, address: number, unit: string, scale = 100): RegisterDef<N> {
  return defineRegister(HOLDING, name, address, { scale, unit });
}

/** Rated data, input registers: fixed by the model. */
export const RATED = [
  reg('pvRatedVoltage', 0x3000, 'V'),
  reg('pvRatedCurrent', 0x3001, 'A'),
  reg('pvRatedPower', 0x3002, 'W', 100, 'u32'),
  reg('batteryRatedVoltage', 0x3004, 'V'),
  reg('ratedChargingCurrent', 0x3005, 'A'),
  reg('ratedChargingPower', 0x3006, 'W', 100, 'u32'),
  reg('chargingType', 0x3008, '', 1),
  reg('loadRatedVoltage', 0x300d, 'V'),
  reg('loadRatedCurrent', 0x300e, 'A'),
] as const;

/** Real-time data, input registers. Temperatures are signed. */
export const REALTIME = [
  reg('pvVoltage', 0x3100, 'V'),
  reg('pvCurrent', 0x3101, 'A'),
  reg('pvPower', 0x3102, 'W', 100, 'u32'),
  reg('batteryVoltage', 0x3104, 'V'),
  reg('batteryChargingCurrent', 0x3105, 'A'),
  reg('batteryChargingPower', 0x3106, 'W', 100, 'u32'),
  reg('loadVoltage', 0x310c, 'V'),
  reg('loadCurrent', 0x310d, 'A'),
  reg('loadPower', 0x310e, 'W', 100, 'u32'),
  reg('batteryTemperature', 0x3110, '°C', 100, 's16'),
  reg('controllerTemperature', 0x3111, '°C', 100, 's16'),
  reg('heatsinkTemperature', 0x3112, '°C', 100, 's16'),
  reg('batterySoc', 0x311a, '%', 1),
  reg('remoteBatteryTemperature', 0x311b, '°C', 100, 's16'),
  reg('batteryRatedSystemVoltage', 0x311d, 'V'),
] as const;

/** Status words, input registers; decoded bit by bit in status-bits.ts. */
export const STATUS = [
  reg('batteryStatus', 0x3200, '', 1),
  reg('chargingStatus', 0x3201, '', 1),
  reg('dischargingStatus', 0x3202, '', 1),
] as const;

/** Statistics, input registers. Energy counters are kWh x100, 32-bit. */
export const STATISTICS = [
  reg('pvMaxVoltageToday', 0x3300, 'V'),
  reg('pvMinVoltageToday', 0x3301, 'V'),
  reg('batteryMaxVoltageToday', 0x3302, 'V'),
  reg('batteryMinVoltageToday', 0x3303, 'V'),
  reg('consumedEnergyToday', 0x3304, 'kWh', 100, 'u32'),
  reg('consumedEnergyMonth', 0x3306, 'kWh', 100, 'u32'),
  reg('consumedEnergyYear', 0x3308, 'kWh', 100, 'u32'),
  reg('consumedEnergyTotal', 0x330a, 'kWh', 100, 'u32'),
  reg('generatedEnergyToday', 0x330c, 'kWh', 100, 'u32'),
  reg('generatedEnergyMonth', 0x330e, 'kWh', 100, 'u32'),
  reg('generatedEnergyYear', 0x3310, 'kWh', 100, 'u32'),
  reg('generatedEnergyTotal', 0x3312, 'kWh', 100, 'u32'),
  reg('co2ReductionTons', 0x3314, 't', 100, 'u32'),
  reg('netBatteryCurrent', 0x331b, 'A', 100, 's32'),
] as const;

/**
 * The battery block after the statistics. V2.5 rows A36-A38 give 0x331A battery voltage and 0x331B/C battery current
 * (the statistics' net current); 0x331D battery and 0x331E ambient temperature come from Epsolar's "LS-B Series
 * Protocol" V1.1 (pconroy328/libepsolar Documentation/1733_modbus_protocol.pdf). The node reads the same battery
 * values from the realtime block; the simulator answers these as the controller does.
 */
export const BATTERY_BLOCK = [
  reg('batteryBlockVoltage', 0x331a, 'V'),
  reg('batteryBlockTemperature', 0x331d, '°C', 100, 's16'),
  reg('ambientTemperature', 0x331e, '°C', 100, 's16'),
] as const;

/** Battery settings, holding registers. Epever accepts them only as one write of the whole block. */
export const BATTERY_SETTINGS = [
  setting('batteryType', 0x9000, '', 1),
  setting('batteryCapacity', 0x9001, 'Ah', 1),
  setting('temperatureCompensation', 0x9002, 'mV/°C/2V'),
  setting('highVoltageDisconnect', 0x9003, 'V'),
  setting('chargingLimitVoltage', 0x9004, 'V'),
  setting('overVoltageReconnect', 0x9005, 'V'),
  setting('equalizationVoltage', 0x9006, 'V'),
  setting('boostVoltage', 0x9007, 'V'),
  setting('floatVoltage', 0x9008, 'V'),
  setting('boostReconnectVoltage', 0x9009, 'V'),
  setting('lowVoltageReconnect', 0x900a, 'V'),
  setting('underVoltageWarningReconnect', 0x900b, 'V'),
  setting('underVoltageWarning', 0x900c, 'V'),
  setting('lowVoltageDisconnect', 0x900d, 'V'),
  setting('dischargingLimitVoltage', 0x900e, 'V'),
] as const;

/** Real-time clock, holding registers: each word packs two byte-sized fields (high byte second). */
export const CLOCK_ADDRESS = 0x9013;
export const CLOCK_WORDS = 3;

/** Coils. */
export const COIL_MANUAL_LOAD = 0x0002;
export const COIL_LOAD_TEST_MODE = 0x0005;
export const COIL_FORCE_LOAD = 0x0006;

/** Discrete inputs. */
export const DISCRETE_OVER_TEMPERATURE = 0x2000;
export const DISCRETE_NIGHT = 0x200c;

export type RatedData = ValuesOf<typeof RATED>;
export type RealtimeData = ValuesOf<typeof REALTIME>;
export type StatusWords = ValuesOf<typeof STATUS>;
export type Statistics = ValuesOf<typeof STATISTICS>;
export type BatteryBlock = ValuesOf<typeof BATTERY_BLOCK>;
export type BatterySettings = ValuesOf<typeof BATTERY_SETTINGS>;

/**
 * Ranges the controller answers as one read, undefined addresses inside included (as zeros: 0x3009-0x300C,
 * 0x3108-0x310B and 0x311C are in no Epever table).
 * Reads across their edges are refused by real units, so blocks never bridge them.
 */
export const ANSWERED_RANGES: AnsweredRanges = {
  input: [
    [0x3000, 0x300e],
    [0x3100, 0x3112],
    [0x311a, 0x311d],
    [0x3200, 0x3202],
    [0x3300, 0x3315],
    [0x331a, 0x331e],
  ],
  holding: [
    [0x9000, 0x900e],
    [0x9013, 0x9015],
  ],
};
