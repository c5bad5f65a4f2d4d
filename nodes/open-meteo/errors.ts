// How a fetch from Open-Meteo failed, and the failure kind (common/failure-kind.ts) each way shows as.
import type { DeviceFailureKind } from '../common/failure-kind';
import { ReadingError } from '../common/reading-time';

export type FetchFailure =
  /** HTTP 400: the server named what is wrong with the request (`reason`). */
  | 'rejected'
  /** HTTP 429, or a wait after one that has not ended: the free limits were reached. */
  | 'rate-limited'
  /** HTTP 5xx or another status that is not an answer. */
  | 'server'
  /** No answer within the timeout. */
  | 'timeout'
  /** Connection refused, reset, DNS: no HTTP answer at all. */
  | 'network'
  /** An answer that is not the documented JSON. */
  | 'malformed';

export class OpenMeteoError extends Error {
  constructor(
    readonly failure: FetchFailure,
    message: string,
    /** The server's `reason`, when it gave one. */
    readonly reason?: string,
    /** HTTP status, when there was an answer. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'OpenMeteoError';
  }
}

const KIND: Readonly<Record<FetchFailure, DeviceFailureKind>> = {
  rejected: 'refused',
  'rate-limited': 'backed-off',
  server: 'no-answer',
  timeout: 'no-answer',
  network: 'no-answer',
  malformed: 'garbled',
};

/** The status a failure shows; the engine's half of the device-node contract. */
export function failureKind(err: unknown): DeviceFailureKind {
  if (err instanceof OpenMeteoError) return KIND[err.failure];
  if (err instanceof ReadingError || err instanceof RangeError) return 'bad-input';
  return 'error';
}
