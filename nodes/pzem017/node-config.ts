// The pzem017 node's editor settings, parsed and checked at the edge.
import type { RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { readSettings } from '../common/settings-schema';
import type { PzemModel } from './models';
import type { ShuntAmps } from './register-map';
import { PZEM_DEVICE, settingsSchema } from './pzem017-schema';

export interface PzemNodeConfig extends DeviceConfig {
  unitId: number;
  model: PzemModel;
  shunt: ShuntAmps;
  /** Write `shunt` on deploy where the meter differs (needs allowWrites; PZEM-017 only). */
  applyShunt: boolean;
}

export function parsePzemConfig(raw: RawConfig): PzemNodeConfig {
  const settings = readSettings(settingsSchema, raw);
  return {
    ...parseDeviceConfig(raw, { ...PZEM_DEVICE, deviceId: `pzem-${settings.unitId}` }),
    unitId: settings.unitId,
    model: settings.model,
    shunt: settings.shunt as ShuntAmps,
    applyShunt: settings.applyShunt,
  };
}
