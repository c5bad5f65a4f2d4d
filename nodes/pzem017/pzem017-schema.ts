// The pzem017 node's settings: what the editor offers (built into pzem017.html) and node-config.ts reads.
import { deviceFields } from '../common/device-config';
import type { Schema } from '../common/settings-schema';
import { MODELS } from './models';

// pzem-edl refreshes its registers about once a second (PZEM_REFRESH_PERIOD 1000); 10 s keeps eight meters on a
// 9600-baud bus far below its capacity.
export const PZEM_DEVICE = { type: 'pzem017', measurement: 'pzem', intervalS: 10 } as const;

export const settingsSchema = {
  ...deviceFields(PZEM_DEVICE),
  bus: { kind: 'link', nodeType: 'modbus-bus' },
  unitId: { kind: 'modbusUnit', default: 1 },
  model: { kind: 'choice', options: MODELS, default: 'PZEM-017' },
  // PZEM-017 only: the external shunt's rating; written on deploy only with applyShunt and allowWrites.
  shunt: { kind: 'choice', options: [50, 100, 200, 300], default: 100 },
  applyShunt: { kind: 'flag', default: false },
} as const satisfies Schema;
