// The modbus-bus settings: what the editor offers (built into modbus-bus.html) and bus-config.ts reads.
import { RECOVERY_FIELDS } from '../common/config-fields';
import type { Schema } from '../common/settings-schema';

export const TRANSPORTS = ['serial', 'tcp', 'rtu-over-tcp'] as const;
const SERIAL = { field: 'transport', in: ['serial'] } as const;
const NETWORK = { field: 'transport', in: ['tcp', 'rtu-over-tcp'] } as const;

export const settingsSchema = {
  name: { kind: 'text', default: '' },
  transport: { kind: 'choice', options: TRANSPORTS, default: 'serial' },
  path: { kind: 'text', default: '', required: true, when: SERIAL, what: 'serial port path' },
  // Epever Tracer AN/BN speak 115200 8N1.
  baudRate: { kind: 'whole', default: 115200, min: 300, max: 921600, when: SERIAL },
  dataBits: { kind: 'choice', options: [7, 8], default: 8 },
  parity: { kind: 'choice', options: ['none', 'even', 'odd'], default: 'none' },
  stopBits: { kind: 'choice', options: [1, 2], default: 1 },
  host: { kind: 'text', default: '', required: true, when: NETWORK, what: 'host' },
  // Modbus TCP's registered port is 502 (IANA; Modbus Messaging on TCP/IP Implementation Guide v1.0b); the
  // transparent serial gateways used for RTU over TCP (e.g. Elfin EW11) listen on 8899 out of the box.
  port: {
    kind: 'whole',
    default: 502,
    min: 1,
    max: 65535,
    when: NETWORK,
    defaultBy: { field: 'transport', values: { tcp: 502, 'rtu-over-tcp': 8899 } },
  },
  timeoutMs: { kind: 'whole', default: 1000, min: 50, max: 60000 },
  retries: { kind: 'whole', default: 1, min: 0, max: 5 },
  gapMs: { kind: 'whole', default: 0, min: 0, max: 10000 },
  ...RECOVERY_FIELDS,
} as const satisfies Schema;
