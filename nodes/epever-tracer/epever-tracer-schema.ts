// The epever-tracer node's settings: what the editor offers (built into epever-tracer.html) and node-config.ts reads.
import { deviceFields } from '../common/device-config';
import type { Schema } from '../common/settings-schema';

export const EPEVER_DEVICE = { type: 'epever-tracer', measurement: 'epever_tracer', intervalS: 60 } as const;

export const settingsSchema = {
  ...deviceFields(EPEVER_DEVICE),
  bus: { kind: 'link', nodeType: 'modbus-bus' },
  unitId: { kind: 'modbusUnit', default: 1 },
  readStatus: { kind: 'flag', default: false },
  // On by default: the energy counters (kWh today ... total) are what most users log; they cost two block reads.
  readStatistics: { kind: 'flag', default: true },
  timeZone: { kind: 'text', default: '', check: 'timeZone' },
} as const satisfies Schema;
