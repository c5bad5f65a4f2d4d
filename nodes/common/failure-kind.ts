// How a device node's work failed, in the few kinds its status distinguishes. Each engine says which kind an
// error is (its `failureKind(err)`); common/status.ts holds the one table from kind to status.
import type { FailureKind as TransportKind } from './bus-queue';
import { DeviceBackedOffError } from './bus-queue';

export type DeviceFailureKind =
  /** The device answered and refused (Modbus exception, PI30 NAK): it is alive. */
  | 'refused'
  /** No answer within the timeout. */
  | 'no-answer'
  /** An answer that could not be trusted (CRC, framing, cut short). */
  | 'garbled'
  /** The bus queue is leaving a silent device alone for a while. */
  | 'backed-off'
  /** The port, socket or USB device is down: the link's owner reconnects. */
  | 'link-down'
  /** The message or the settings asked for something the node will not do. */
  | 'bad-input'
  /** Anything else. */
  | 'error';

/**
 * The kind a transport error carries (`kind` on the error, as the bus queue's errors have), or undefined.
 * Used by the engines' `failureKind` before their own checks.
 */
export function transportFailureKind(err: unknown): DeviceFailureKind | undefined {
  if (err instanceof DeviceBackedOffError) return 'backed-off';
  const kind = (err as { kind?: unknown } | null)?.kind;
  switch (kind as TransportKind | undefined) {
    case 'no-answer':
    case 'garbled':
    case 'refused':
      return kind as DeviceFailureKind;
    case 'link':
      return 'link-down';
    default:
      return undefined;
  }
}
