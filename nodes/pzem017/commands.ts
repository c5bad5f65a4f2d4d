// Input messages parsed into the commands the node understands. A message without `command` is a poll.
// Values are checked here, before anything reaches the bus.
import type { DeviceFailureKind } from '../common/failure-kind';
import { failureKind as modbusFailureKind } from '../modbus-bus/modbus-client';
import { MAX_ADDRESS, MIN_ADDRESS, SHUNT_AMPS, THRESHOLD_RANGES, type ShuntAmps } from './register-map';

export interface Thresholds {
  /** V, PZEM-003/017. */
  high_voltage?: number;
  /** V, PZEM-003/017. */
  low_voltage?: number;
  /** W, PZEM-004T/014/016. */
  power?: number;
}

export type Command =
  | { kind: 'poll' }
  | { kind: 'read-settings' }
  | { kind: 'set-shunt'; amps: ShuntAmps }
  | { kind: 'set-alarms'; thresholds: Thresholds }
  | { kind: 'reset-energy' }
  | { kind: 'set-address'; address: number };

export const COMMAND_NAMES = ['poll', 'read-settings', 'set-shunt', 'set-alarms', 'reset-energy', 'set-address'] as const;

export const WRITE_COMMANDS: ReadonlySet<Command['kind']> = new Set(['set-shunt', 'set-alarms', 'reset-energy', 'set-address']);

export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

export function parseShunt(value: unknown): ShuntAmps {
  const amps = typeof value === 'string' ? Number(value.trim().replace(/\s*a$/i, '')) : value;
  if (typeof amps === 'number' && (SHUNT_AMPS as readonly number[]).includes(amps)) return amps as ShuntAmps;
  throw new CommandError(`shunt must be one of ${SHUNT_AMPS.join(', ')} (A), got ${JSON.stringify(value)}`);
}

function inRange(name: keyof typeof THRESHOLD_RANGES, label: string, unit: string, value: unknown): number {
  const [min, max] = THRESHOLD_RANGES[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new CommandError(`${label} must be a number from ${min} to ${max} ${unit}, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function parseThresholds(value: unknown): Thresholds {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CommandError('set-alarms needs msg.payload {high_voltage, low_voltage} (V) or {power} (W)');
  }
  const given = value as Record<string, unknown>;
  const unknown = Object.keys(given).filter((k) => !['high_voltage', 'low_voltage', 'power'].includes(k));
  if (unknown.length > 0) throw new CommandError(`set-alarms does not know ${unknown.join(', ')}; use high_voltage, low_voltage or power`);
  const out: Thresholds = {};
  if (given.high_voltage !== undefined) out.high_voltage = inRange('highVoltage', 'high_voltage', 'V', given.high_voltage);
  if (given.low_voltage !== undefined) out.low_voltage = inRange('lowVoltage', 'low_voltage', 'V', given.low_voltage);
  if (given.power !== undefined) out.power = Math.round(inRange('power', 'power', 'W', given.power));
  if (Object.keys(out).length === 0) throw new CommandError('set-alarms needs at least one threshold');
  return out;
}

export function parseAddress(value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_ADDRESS && value <= MAX_ADDRESS) return value;
  throw new CommandError(`set-address needs msg.payload, a whole number from ${MIN_ADDRESS} to ${MAX_ADDRESS}, got ${JSON.stringify(value)}`);
}

export function parseCommand(msg: { command?: unknown; payload?: unknown }): Command {
  const name = msg.command;
  if (name === undefined || name === null || name === '' || name === 'poll') return { kind: 'poll' };
  switch (name) {
    case 'read-settings':
      return { kind: 'read-settings' };
    case 'reset-energy':
      return { kind: 'reset-energy' };
    case 'set-shunt':
      return { kind: 'set-shunt', amps: parseShunt(msg.payload) };
    case 'set-alarms':
      return { kind: 'set-alarms', thresholds: parseThresholds(msg.payload) };
    case 'set-address':
      return { kind: 'set-address', address: parseAddress(msg.payload) };
    default:
      throw new CommandError(`unknown command ${JSON.stringify(name)}; known: ${COMMAND_NAMES.join(', ')}`);
  }
}

/** A command the node will not run is bad input; the rest is how the bus failed. */
export function failureKind(err: unknown): DeviceFailureKind {
  if (err instanceof CommandError) return 'bad-input';
  return modbusFailureKind(err);
}
