// Finding what is on a bus: probes unit ids one at a time and recognises devices by their answers.
// A PZEM meter keeps its own address in holding register 0x0002 (pzem_modbus.hpp WREG_ADDR / PZ003_RHR_ADDR), and
// only the DC models (PZEM-003/017) have holding 0x0003, the current range; an Epever Tracer answers its rated-data
// block at input 0x3000 (Epever protocol v2.5). Pure: the probes go through whatever `unitAt` gives.
import { readGroup } from '../common/modbus/block-read';
import { decodeGroup } from '../common/modbus/register-codec';
import type { ModbusUnit } from '../common/modbus/unit';
import { RATED } from '../epever-tracer/register-map';
import { toPayload, type PzemPayload } from '../pzem017/reading';
import { AC_MEASUREMENTS, DC_MEASUREMENTS, DC_PARAMETERS, shuntOfCode } from '../pzem017/register-map';

export type FoundKind = 'pzem-dc' | 'pzem-ac' | 'epever' | 'unknown';

export interface FoundDevice {
  unitId: number;
  kind: FoundKind;
  /** What a user picks in a device node: the model, or the models it may be. */
  model: string;
  /** The node type that reads it, if the package has one. */
  nodeType?: 'pzem017' | 'epever-tracer';
  /** What the probe read, for the user to check (a reading, rated data). */
  read: Record<string, unknown>;
}

export interface ScanProgress {
  /** Unit ids probed so far. */
  done: number;
  total: number;
  /** The id being probed now. */
  unitId: number;
  found: readonly FoundDevice[];
}

export interface ScanOptions {
  from: number;
  to: number;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  /** Whether a failure means nobody answered (no answer, garbled) rather than a device refusing. */
  isSilence: (err: unknown) => boolean;
  now?: () => Date;
}

export class ScanCancelled extends Error {
  constructor() {
    super('scan cancelled');
    this.name = 'ScanCancelled';
  }
}

export function checkRange(from: unknown, to: unknown): { from: number; to: number } {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 247;
  if (!ok(from) || !ok(to) || from > to)
    throw new RangeError(`a scan range is two unit ids 1..247, the first not above the second; got ${from}-${to}`);
  return { from, to };
}

type Attempt<T> = { ok: true; value: T } | { ok: false; silent: boolean };

async function attempt<T>(request: () => Promise<T>, isSilence: (err: unknown) => boolean): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await request() };
  } catch (err) {
    return { ok: false, silent: isSilence(err) };
  }
}

const ADDRESS_REGISTER = DC_PARAMETERS[2].address;
const RANGE_REGISTER = DC_PARAMETERS[3].address;

/** What answers at `unitId`, or undefined when nothing does. */
export async function probe(unit: ModbusUnit, unitId: number, options: Pick<ScanOptions, 'isSilence' | 'now'>): Promise<FoundDevice | undefined> {
  const now = options.now ?? (() => new Date());
  const address = await attempt(() => unit.readHoldingRegisters(ADDRESS_REGISTER, 1), options.isSilence);
  if (!address.ok && address.silent) return undefined;
  if (address.ok && address.value[0] === unitId) {
    const range = await attempt(() => unit.readHoldingRegisters(RANGE_REGISTER, 1), options.isSilence);
    const dc = range.ok;
    const measurements = dc ? DC_MEASUREMENTS : AC_MEASUREMENTS;
    const words = await attempt(() => unit.readInputRegisters(0, dc ? 8 : 10), options.isSilence);
    const read: Record<string, unknown> = {};
    if (words.ok) Object.assign(read, toPayload(dc ? 'PZEM-017' : 'PZEM-004T', decodeGroup(measurements, words.value, 0), now()) as PzemPayload);
    if (dc && range.ok) read.shunt_a = shuntOfCode(range.value[0]) ?? null;
    return dc
      ? { unitId, kind: 'pzem-dc', model: 'PZEM-017 or PZEM-003', nodeType: 'pzem017', read }
      : { unitId, kind: 'pzem-ac', model: 'PZEM-004T, PZEM-014 or PZEM-016', nodeType: 'pzem017', read };
  }
  const rated = await attempt(() => readGroup(unit, RATED), options.isSilence);
  if (rated.ok) return { unitId, kind: 'epever', model: 'Epever Tracer (or compatible)', nodeType: 'epever-tracer', read: { ...rated.value } };
  // Something answered (a refusal is an answer), but not as a device this package knows.
  return { unitId, kind: 'unknown', model: 'unknown Modbus device', read: {} };
}

/** Probes every unit id from `from` to `to`; resolves with what answered, or rejects with ScanCancelled. */
export async function scanBus(unitAt: (unitId: number) => ModbusUnit, options: ScanOptions): Promise<FoundDevice[]> {
  const { from, to } = checkRange(options.from, options.to);
  const found: FoundDevice[] = [];
  const total = to - from + 1;
  for (let unitId = from; unitId <= to; unitId++) {
    if (options.signal?.aborted) throw new ScanCancelled();
    options.onProgress?.({ done: unitId - from, total, unitId, found });
    const device = await probe(unitAt(unitId), unitId, options);
    if (device) found.push(device);
  }
  options.onProgress?.({ done: total, total, unitId: to, found });
  return found;
}
