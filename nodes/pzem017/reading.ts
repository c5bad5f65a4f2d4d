// A poll of one PZEM meter: one block read of its measurement registers, decoded into the reading's payload.
import { planReads, readBlocks, type RegisterBlock, type RegisterValues } from '../common/modbus/block-read';
import type { ModbusUnit } from '../common/modbus/unit';
import { MODEL_INFO, type PzemModel } from './models';
import { AC_ANSWERED, AC_MEASUREMENTS, ALARM_ON, DC_ANSWERED, DC_MEASUREMENTS } from './register-map';

export interface DcPayload {
  timestamp: string;
  voltage: number;
  current: number;
  power: number;
  energy_wh: number;
  high_voltage_alarm: boolean;
  low_voltage_alarm: boolean;
}

export interface AcPayload {
  timestamp: string;
  voltage: number;
  current: number;
  power: number;
  energy_wh: number;
  frequency: number;
  power_factor: number;
  power_alarm: boolean;
}

export type PzemPayload = DcPayload | AcPayload;

/** The block reads of one poll (one FC4 read: 8 words DC, 10 words AC); exported for the benchmark and tests. */
export function pollPlan(model: PzemModel): RegisterBlock[] {
  return MODEL_INFO[model].kind === 'dc' ? planReads(DC_MEASUREMENTS, DC_ANSWERED) : planReads(AC_MEASUREMENTS, AC_ANSWERED);
}

/** Scaled floats carry binary noise (12.34 = 1234 / 100); rounded to the register's resolution. */
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

/** Any non-zero alarm word counts: the manual says 0xFFFF, and a meter that sets fewer bits still means alarm. */
const alarm = (word: number): boolean => word !== 0;

export function toPayload(model: PzemModel, v: RegisterValues, measuredAt: Date): PzemPayload {
  const timestamp = measuredAt.toISOString();
  if (MODEL_INFO[model].kind === 'dc') {
    return {
      timestamp,
      voltage: round(v.voltage, 2),
      current: round(v.current, 2),
      power: round(v.power, 1),
      energy_wh: v.energy,
      high_voltage_alarm: alarm(v.highVoltageAlarm),
      low_voltage_alarm: alarm(v.lowVoltageAlarm),
    };
  }
  return {
    timestamp,
    voltage: round(v.voltage, 1),
    current: round(v.current, 3),
    power: round(v.power, 1),
    energy_wh: v.energy,
    frequency: round(v.frequency, 1),
    power_factor: round(v.powerFactor, 2),
    power_alarm: alarm(v.powerAlarm),
  };
}

export { ALARM_ON };

export async function readPayload(unit: ModbusUnit, model: PzemModel, now: () => Date = () => new Date()): Promise<PzemPayload> {
  const values = await readBlocks(unit, pollPlan(model));
  return toPayload(model, values, now());
}
