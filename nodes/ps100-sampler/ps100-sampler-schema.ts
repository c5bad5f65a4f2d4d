// The ps100-sampler node's settings: what the editor offers (built into ps100-sampler.html) and node-config.ts
// reads. The panel list is kept as JSON text (the editor's list writes it); node-config.ts parses it.
import { deviceFields } from '../common/device-config';
import type { Schema } from '../common/settings-schema';

export const PS100_DEVICE = { type: 'ps100-sampler', measurement: 'ps100', intervalS: 0 } as const;

/** A new node's panel: the first address, auto-detect, a 10 mΩ shunt for up to 8 A, a 100 W panel. */
export const DEFAULT_PANELS = JSON.stringify([{ address: '0x40', name: '', chip: 'auto', shunt: 0.01, maxCurrent: 8, ratedPower: 100 }]);

// The editor's copy of node-config.ts parsePanels and calibration.ts shuntRangeProblem: addresses 0x40-0x4F, each
// once, at most 16, positive numbers, and a shunt whose drop at the maximum current fits the chip's widest range
// (INA219 and auto ±320 mV, INA226 ±81.92 mV). `s` is the field's text.
const PANELS_CHECK =
  "var list; try { list = s === '' ? [] : JSON.parse(s); } catch (e) { return false; } if (!Array.isArray(list) || list.length > 16) return false; " +
  'var seen = {}; for (var i = 0; i < list.length; i++) { var p = list[i] || {}; var a = String(p.address === undefined ? "" : p.address).trim().toLowerCase(); ' +
  'var n = /^0x[0-9a-f]+$/.test(a) || /^[0-9a-f]+h$/.test(a) ? parseInt(a, 16) : /^\\d+$/.test(a) ? Number(a) : NaN; ' +
  'if (!(n >= 64 && n <= 79) || seen[n]) return false; seen[n] = true; ' +
  'var num = function (v, d) { var x = v === undefined || v === "" ? d : Number(v); return isFinite(x) && x > 0 ? x : NaN; }; ' +
  'var r = num(p.shunt, 0.01), m = num(p.maxCurrent, 8), w = num(p.ratedPower, 100); if (!(r > 0 && m > 0 && w > 0)) return false; ' +
  'if (r * m > (p.chip === "INA226" ? 0.08192 : 0.32) + 1e-12) return false; } return true;';

const device = deviceFields(PS100_DEVICE);

export const settingsSchema = {
  name: device.name,
  source: { kind: 'choice', options: ['bus', 'simulator', 'messages'], default: 'bus' },
  bus: { kind: 'whole', default: 1, min: 0, max: 255, what: 'I2C bus' },
  sampleRate: { kind: 'whole', default: 10, min: 1, max: 50, what: 'sample rate (Hz)' },
  recordPeriod: { kind: 'whole', default: 1, min: 1, max: 3600, what: 'record period (s)' },
  // Volts, fractions allowed; 0 turns the alert off.
  underVoltage: { kind: 'text', default: '12', check: { editor: "return s === '' || (/^\\d+(\\.\\d+)?$/.test(s) && Number(s) <= 100);" } },
  panels: { kind: 'text', default: DEFAULT_PANELS, check: { editor: PANELS_CHECK } },
  deviceId: device.deviceId,
  topic: device.topic,
  measurement: device.measurement,
} as const satisfies Schema;
