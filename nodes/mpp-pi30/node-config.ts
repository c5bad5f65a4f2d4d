// The mpp-pi30 node's editor settings, parsed and checked at the edge.
import type { RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { readSettings } from '../common/settings-schema';
import type { PollQuery } from './controller';
import { PI30_DEVICE, settingsSchema } from './mpp-pi30-schema';
import type { VariantSetting } from './protocol/variants';

export interface Pi30NodeConfig extends DeviceConfig {
  /** The queries ticked ("QPIGS QMOD energy", spaces or commas, any case); QPIGS, QMOD, QPIWS when none. */
  queries: PollQuery[];
  /** The firmware family whose field tables read the replies, or `auto` (from QPI, QMN and QVFW). */
  variant: VariantSetting;
}

/** An unset device id is the inverter's serial number (QID) once known; until then from the name, or `mpp-pi30`. */
export function parsePi30Config(raw: RawConfig): Pi30NodeConfig {
  const settings = readSettings(settingsSchema, raw);
  return {
    ...parseDeviceConfig(raw, { ...PI30_DEVICE, deviceId: 'mpp-pi30' }),
    queries: settings.queries,
    variant: settings.variant,
  };
}
