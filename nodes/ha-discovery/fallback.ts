// The entity a field becomes when no descriptor names it: its kind from the value, its device class and unit
// from the end of its flattened name (the names this package's readings use: `pv_array_voltage`,
// `battery_charging_current`, `energy_pv_total_wh`, `ac_output_frequency`, `power_factor`), so a new device
// node's readings get sensible entities before it brings a descriptor.
import type { EntityHint } from './descriptor';

interface Rule {
  readonly match: RegExp;
  readonly hint: EntityHint;
}

const NUMBER_RULES: readonly Rule[] = [
  { match: /(^|_)kwh$/, hint: { device_class: 'energy', unit: 'kWh', state_class: 'total_increasing', precision: 2 } },
  { match: /(^|_)wh$/, hint: { device_class: 'energy', unit: 'Wh', state_class: 'total_increasing', precision: 0 } },
  { match: /(^|_)power_factor$/, hint: { device_class: 'power_factor', state_class: 'measurement', precision: 2 } },
  { match: /(^|_)apparent_power$/, hint: { device_class: 'apparent_power', unit: 'VA', state_class: 'measurement', precision: 0 } },
  { match: /(^|_)power(_|$)/, hint: { device_class: 'power', unit: 'W', state_class: 'measurement', precision: 0 } },
  { match: /(^|_)voltage(_|$)/, hint: { device_class: 'voltage', unit: 'V', state_class: 'measurement', precision: 2 } },
  { match: /(^|_)current(_|$)/, hint: { device_class: 'current', unit: 'A', state_class: 'measurement', precision: 2 } },
  { match: /(^|_)temperature(_|$)/, hint: { device_class: 'temperature', unit: '°C', state_class: 'measurement', precision: 1 } },
  { match: /(^|_)soc$/, hint: { device_class: 'battery', unit: '%', state_class: 'measurement', precision: 0 } },
  { match: /(^|_)frequency$/, hint: { device_class: 'frequency', unit: 'Hz', state_class: 'measurement', precision: 2 } },
  {
    match: /(^|_)(irradiance|gti|ghi|dni|dhi|shortwave_radiation)$/,
    hint: { device_class: 'irradiance', unit: 'W/m²', state_class: 'measurement', precision: 0 },
  },
  { match: /(^|_)(relative_)?humidity(_\d+m)?$/, hint: { device_class: 'humidity', unit: '%', state_class: 'measurement', precision: 0 } },
  { match: /(^|_)(cloud_cover|load|percent)$/, hint: { unit: '%', state_class: 'measurement', precision: 0 } },
];

/**
 * The rule whose words end last in the name, the longer match on a tie: the last word names the quantity
 * (`current_temperature_2m` is a temperature, `battery_charging_current` a current, `ac_output_apparent_power`
 * an apparent power).
 */
function lastWordRule(field: string): Rule | undefined {
  let best: { rule: Rule; end: number; length: number } | undefined;
  for (const rule of NUMBER_RULES) {
    for (const m of field.matchAll(new RegExp(rule.match.source, 'g'))) {
      const end = m.index + m[0].length;
      if (!best || end > best.end || (end === best.end && m[0].length > best.length)) best = { rule, end, length: m[0].length };
    }
  }
  return best?.rule;
}

/** The guess for a field named `field` holding `value`. */
export function guessHint(field: string, value: unknown): EntityHint {
  if (typeof value === 'boolean') return { component: 'binary_sensor' };
  if (typeof value === 'number') {
    const rule = lastWordRule(field);
    return { component: 'sensor', ...(rule ? rule.hint : { state_class: 'measurement' }) };
  }
  if (typeof value === 'string') return { component: 'sensor' };
  // Lists and objects (issues, extras) are no single state.
  return { skip: true };
}

/** "pv_array_voltage" as "PV array voltage". */
export function entityName(field: string): string {
  const words = field.split('_').filter((w) => w !== '');
  const named = words.map((w) => UNITS[w] ?? (ACRONYMS.has(w) ? w.toUpperCase() : w));
  const text = named.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const ACRONYMS = new Set(['pv', 'ac', 'dc', 'soc', 'scc', 'mosfet', 'eeprom', 'sbu', 'lcd', 'bms']);
const UNITS: Readonly<Record<string, string>> = { kwh: 'kWh', wh: 'Wh' };
