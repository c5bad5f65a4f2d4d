// Input messages parsed into the commands the node runs. A message without `command` is a poll.
import type { DeviceFailureKind } from '../common/failure-kind';
import { failureKind as portFailureKind } from '../pi30-port/errors';
import { isQuery } from './protocol/queries';
import { namedSetter, parseSetter, SetterError, type SetterRequest } from './protocol/setters';

export type Command =
  | { readonly kind: 'poll' }
  | { readonly kind: 'query'; readonly command: string }
  | { readonly kind: 'setter'; readonly command: string; readonly request: SetterRequest }
  | { readonly kind: 'set'; readonly requests: readonly SetterRequest[] };

export class Pi30CommandError extends Error {
  readonly kind = 'refused';
  constructor(message: string) {
    super(message);
    this.name = 'Pi30CommandError';
  }
}

/** Commands that change the inverter. */
export function isWrite(command: Command): boolean {
  return command.kind === 'setter' || command.kind === 'set';
}

export function parseCommand(msg: { command?: unknown; payload?: unknown }): Command {
  const given = msg.command;
  if (given === undefined || given === null || given === '') return { kind: 'poll' };
  if (typeof given !== 'string')
    throw new Pi30CommandError(`msg.command must be a string such as "QPIRI" or "POP02", got ${JSON.stringify(given) ?? typeof given}`);
  const text = given.trim();
  if (text.toLowerCase() === 'poll') return { kind: 'poll' };
  if (text.toLowerCase() === 'set') return { kind: 'set', requests: namedRequests(msg.payload) };
  // Queries are all capitals on the wire; accept any case for them. Setters keep their case (PEa: lower-case flags).
  if (isQuery(text.toUpperCase())) return { kind: 'query', command: text.toUpperCase() };
  try {
    return { kind: 'setter', command: text, request: parseSetter(text) };
  } catch (err) {
    if (err instanceof SetterError) throw new Pi30CommandError(err.message);
    throw err;
  }
}

function namedRequests(payload: unknown): SetterRequest[] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new Pi30CommandError('"set" needs msg.payload as an object of settings, e.g. {"output_source_priority": "sbu"}');
  }
  const entries = Object.entries(payload as Record<string, unknown>);
  if (entries.length === 0) throw new Pi30CommandError('"set" got an empty msg.payload: name at least one setting');
  try {
    return entries.map(([setting, value]) => namedSetter(setting, value));
  } catch (err) {
    if (err instanceof SetterError) throw new Pi30CommandError(err.message);
    throw err;
  }
}

/** A command the node will not run is bad input; the rest is how the port or the inverter failed. */
export function failureKind(err: unknown): DeviceFailureKind {
  if (err instanceof Pi30CommandError) return 'bad-input';
  return portFailureKind(err);
}
