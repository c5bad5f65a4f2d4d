// The epever-tracer node's editor settings, parsed and checked at the edge.
import { flag, text, modbusUnitId, type RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { parseZone } from '../rollup/window-spec';

export interface EpeverNodeConfig extends DeviceConfig {
  unitId: number;
  status: boolean;
  statistics: boolean;
  /** IANA zone the controller's clock is read and set in; the host's zone when the field is empty. */
  timeZone: string;
}

export function parseEpeverConfig(raw: RawConfig): EpeverNodeConfig {
  const unitId = modbusUnitId(raw);
  return {
    ...parseDeviceConfig(raw, { type: 'epever-tracer', measurement: 'epever_tracer', intervalS: 60, deviceId: `epever-${unitId}` }),
    unitId,
    status: flag(raw, 'readStatus'),
    statistics: flag(raw, 'readStatistics'),
    timeZone: parseZone(text(raw, 'timeZone')),
  };
}
