// The mpp-pi30 node's settings: what the editor offers (built into mpp-pi30.html) and node-config.ts reads.
import { deviceFields } from '../common/device-config';
import type { Schema } from '../common/settings-schema';
import { DEFAULT_POLL, POLL_QUERIES } from './controller';
import { VARIANT_SETTINGS } from './protocol/variants';

export const PI30_DEVICE = { type: 'mpp-pi30', measurement: 'mpp_pi30', intervalS: 30 } as const;

export const settingsSchema = {
  ...deviceFields(PI30_DEVICE),
  port: { kind: 'link', nodeType: 'pi30-port' },
  queries: { kind: 'words', options: POLL_QUERIES, default: DEFAULT_POLL.join(' '), what: 'poll query' },
  variant: { kind: 'choice', options: VARIANT_SETTINGS, default: 'auto' },
} as const satisfies Schema;
