// The epever-tracer node's editor settings, parsed and checked at the edge.
import type { RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { readSettings } from '../common/settings-schema';
import { parseZone } from '../rollup/window-spec';
import { EPEVER_DEVICE, settingsSchema } from './epever-tracer-schema';

export interface EpeverNodeConfig extends DeviceConfig {
  unitId: number;
  status: boolean;
  statistics: boolean;
  /** IANA zone the controller's clock is read and set in; the host's zone when the field is empty. */
  timeZone: string;
}

export function parseEpeverConfig(raw: RawConfig): EpeverNodeConfig {
  const settings = readSettings(settingsSchema, raw);
  return {
    ...parseDeviceConfig(raw, { ...EPEVER_DEVICE, deviceId: `epever-${settings.unitId}` }),
    unitId: settings.unitId,
    status: settings.readStatus,
    statistics: settings.readStatistics,
    timeZone: parseZone(settings.timeZone),
  };
}
