// The mpp-pi30 node's editor settings, parsed and checked at the edge.
import { oneOf, text, type RawConfig } from '../common/config-fields';
import { parseDeviceConfig, type DeviceConfig } from '../common/device-config';
import { DEFAULT_POLL, POLL_QUERIES, type PollQuery } from './controller';
import { VARIANT_SETTINGS, type VariantSetting } from './protocol/variants';

export interface Pi30NodeConfig extends DeviceConfig {
  queries: PollQuery[];
  /** The firmware family whose field tables read the replies, or `auto` (from QPI, QMN and QVFW). */
  variant: VariantSetting;
}

/** "QPIGS QMOD energy" (spaces or commas, any case) into the poll's queries; empty for the default set. */
export function parseQueries(given: string): PollQuery[] {
  const tokens = given.split(/[\s,]+/).filter((t) => t.length > 0);
  if (tokens.length === 0) return [...DEFAULT_POLL];
  const queries: PollQuery[] = [];
  for (const token of tokens) {
    const query = POLL_QUERIES.find((q) => q.toLowerCase() === token.toLowerCase());
    if (!query) throw new RangeError(`unknown poll query ${JSON.stringify(token)}; choose from ${POLL_QUERIES.join(', ')}`);
    if (!queries.includes(query)) queries.push(query);
  }
  return queries;
}

/** An unset device id is the inverter's serial number (QID) once known; until then from the name, or `mpp-pi30`. */
export function parsePi30Config(raw: RawConfig): Pi30NodeConfig {
  return {
    ...parseDeviceConfig(raw, { type: 'mpp-pi30', measurement: 'mpp_pi30', intervalS: 30, deviceId: 'mpp-pi30' }),
    queries: parseQueries(text(raw, 'queries')),
    variant: oneOf(raw, 'variant', VARIANT_SETTINGS, 'auto'),
  };
}
