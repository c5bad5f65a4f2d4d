// What an input message is: ha-discovery takes readings, Home Assistant's birth, commands from Home Assistant,
// device node replies and failures (Catch and Status nodes) and clean-up commands on its one input.
import { isReadingObject } from '../common/reading';
import type { ControlTag } from './bridge';

export type InputKind =
  | { kind: 'command-done'; tag: ControlTag; error?: string }
  | { kind: 'device-status'; sourceId: string; sourceType: string; offline: boolean }
  | { kind: 'device-failed'; device: string }
  | { kind: 'birth'; online: boolean }
  | { kind: 'command'; topic: string; payload: unknown }
  | { kind: 'remove'; device: string; field?: string }
  /** A device node's reply to a command of the user's own (it keeps msg.command): no reading. */
  | { kind: 'reply' }
  | { kind: 'reading' };

export interface InputMessage {
  topic?: unknown;
  payload?: unknown;
  device?: unknown;
  command?: unknown;
  field?: unknown;
  haControl?: unknown;
  status?: unknown;
  error?: unknown;
}

function controlTag(value: unknown): ControlTag | undefined {
  if (!isReadingObject(value)) return undefined;
  const { device, control, value: v } = value;
  return typeof device === 'string' && typeof control === 'string' && typeof v === 'string' ? { device, control, value: v } : undefined;
}

function errorText(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (isReadingObject(error) && typeof error.message === 'string') return error.message;
  return String(error);
}

/**
 * A Status node's report: red means the device failed (no answer, garbled, link down), except a refused
 * command, which says nothing about the device; yellow "retrying" is a device left alone after failing.
 */
function deviceOffline(status: Record<string, unknown>): boolean {
  const text = typeof status.text === 'string' ? status.text : '';
  if (/(^|\.)refused$/.test(text)) return false;
  return status.fill === 'red' || /(^|\.)retrying$/.test(text);
}

export function classify(msg: InputMessage, birthTopic: string, isCommandTopic: (topic: string) => boolean): InputKind {
  const tag = controlTag(msg.haControl);
  if (tag) return { kind: 'command-done', tag, error: errorText(msg.error) };
  if (isReadingObject(msg.status) && isReadingObject(msg.status.source)) {
    const source = msg.status.source;
    return { kind: 'device-status', sourceId: String(source.id), sourceType: String(source.type), offline: deviceOffline(msg.status) };
  }
  // A Catch node's report of a scheduled poll that failed (a failed command of the user's own says nothing here).
  if (msg.error !== undefined && msg.command === undefined && (typeof msg.device === 'string' || typeof msg.device === 'number'))
    return { kind: 'device-failed', device: String(msg.device) };
  if (msg.topic === birthTopic) return { kind: 'birth', online: String(msg.payload) === 'online' };
  if (typeof msg.topic === 'string' && isCommandTopic(msg.topic)) return { kind: 'command', topic: msg.topic, payload: msg.payload };
  if (msg.command === 'remove') {
    if (typeof msg.device !== 'string' || msg.device === '') throw new Error('"remove" needs msg.device (and msg.field to remove one field)');
    if (msg.field !== undefined && (typeof msg.field !== 'string' || msg.field === '')) throw new Error('msg.field must name a field');
    return { kind: 'remove', device: msg.device, field: msg.field as string | undefined };
  }
  if (typeof msg.command === 'string' && msg.command !== '' && msg.command.toLowerCase() !== 'poll') return { kind: 'reply' };
  return { kind: 'reading' };
}
