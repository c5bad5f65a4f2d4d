// How an exchange with the inverter failed, in the bus queue's failure kinds: no answer and a reply cut short
// are retried and then back the inverter off; a lost link is the connection's to restore.
import type { FailureKind } from '../common/bus-queue';
import { transportFailureKind, type DeviceFailureKind } from '../common/failure-kind';

export class NoAnswerError extends Error {
  readonly kind: FailureKind = 'no-answer';
  constructor(message: string) {
    super(message);
    this.name = 'NoAnswerError';
  }
}

export class IncompleteReplyError extends Error {
  readonly kind: FailureKind = 'garbled';
  constructor(message: string) {
    super(message);
    this.name = 'IncompleteReplyError';
  }
}

export { LinkDownError } from '../common/shared-link';

const KINDS: readonly FailureKind[] = ['no-answer', 'garbled', 'refused', 'link'];

/** Errors from the port and from the codec carry their kind; anything else is the link's business. */
export function classifyPi30Error(err: unknown): FailureKind {
  const kind = (err as { kind?: unknown } | null)?.kind;
  return KINDS.includes(kind as FailureKind) ? (kind as FailureKind) : 'link';
}

/** What a device node on a pi30-port shows for a failure: the kind the error carries, else a plain error. */
export function failureKind(err: unknown): DeviceFailureKind {
  return transportFailureKind(err) ?? 'error';
}
