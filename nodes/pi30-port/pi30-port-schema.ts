// The pi30-port settings: what the editor offers (built into pi30-port.html) and port-config.ts reads.
import { RECOVERY_FIELDS } from '../common/config-fields';
import type { Schema } from '../common/settings-schema';

export const TRANSPORTS = ['serial', 'tcp', 'usb-hid'] as const;

// Only the chosen transport's fields are checked: the others may hold leftovers from an earlier choice.
export const settingsSchema = {
  name: { kind: 'text', default: '' },
  transport: { kind: 'choice', options: TRANSPORTS, default: 'usb-hid' },
  path: { kind: 'text', default: '', required: true, when: { field: 'transport', in: ['serial'] }, what: 'serial port path' },
  // PI30's line speed (2400 8N1).
  baudRate: { kind: 'whole', default: 2400, min: 300, max: 921600, when: { field: 'transport', in: ['serial'] } },
  host: { kind: 'text', default: '', required: true, when: { field: 'transport', in: ['tcp'] }, what: 'host' },
  port: { kind: 'whole', default: 8899, min: 1, max: 65535, when: { field: 'transport', in: ['tcp'] } },
  // Voltronic's USB-serial bridge chip (Cypress) as PI30 inverters enumerate.
  hidDevice: { kind: 'text', default: '0665:5161', check: 'hidDevice', when: { field: 'transport', in: ['usb-hid'] } },
  timeoutMs: { kind: 'whole', default: 3000, min: 100, max: 60000 },
  retries: { kind: 'whole', default: 1, min: 0, max: 5 },
  gapMs: { kind: 'whole', default: 50, min: 0, max: 10000 },
  ...RECOVERY_FIELDS,
} as const satisfies Schema;
