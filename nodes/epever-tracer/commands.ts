// Input messages parsed into the commands the node understands. A message without `command` is a poll.
import type { DeviceFailureKind } from '../common/failure-kind';
import { failureKind as modbusFailureKind } from '../modbus-bus/modbus-client';
import { SettingsError } from './settings';

export type Command =
  | { kind: 'poll' }
  | { kind: 'read-rated' }
  | { kind: 'read-settings' }
  | { kind: 'read-clock' }
  | { kind: 'load'; on: boolean }
  | { kind: 'sync-clock' }
  | { kind: 'write-settings'; change: unknown };

export const WRITE_COMMANDS: ReadonlySet<Command['kind']> = new Set(['load', 'sync-clock', 'write-settings']);

export const COMMAND_NAMES = ['poll', 'read-rated', 'read-settings', 'read-clock', 'load', 'sync-clock', 'write-settings'] as const;

export class EpeverCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EpeverCommandError';
  }
}

function parseSwitch(value: unknown): boolean {
  if (value === true || value === 1 || value === 'on' || value === 'ON' || value === 'true') return true;
  if (value === false || value === 0 || value === 'off' || value === 'OFF' || value === 'false') return false;
  throw new EpeverCommandError(`load needs msg.payload true/false or "on"/"off", got ${JSON.stringify(value)}`);
}

export function parseCommand(msg: { command?: unknown; payload?: unknown }): Command {
  const name = msg.command;
  if (name === undefined || name === null || name === '' || name === 'poll') return { kind: 'poll' };
  switch (name) {
    case 'read-rated':
    case 'read-settings':
    case 'read-clock':
    case 'sync-clock':
      return { kind: name as 'read-rated' | 'read-settings' | 'read-clock' | 'sync-clock' };
    case 'load':
      return { kind: 'load', on: parseSwitch(msg.payload) };
    case 'write-settings':
      return { kind: 'write-settings', change: msg.payload };
    default:
      throw new EpeverCommandError(`unknown command ${JSON.stringify(name)}; known: ${COMMAND_NAMES.join(', ')}`);
  }
}

/** A command or setting the node will not run is bad input; the rest is how the bus failed. */
export function failureKind(err: unknown): DeviceFailureKind {
  if (err instanceof EpeverCommandError || err instanceof SettingsError) return 'bad-input';
  return modbusFailureKind(err);
}
