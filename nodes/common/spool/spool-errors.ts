// What the spool refuses, as errors a sink can tell apart and a user can read.

export class SpoolClosedError extends Error {
  constructor() {
    super('spool closed');
    this.name = 'SpoolClosedError';
  }
}

export class SpoolAckError extends Error {
  constructor(
    readonly id: number,
    readonly oldestId: number | undefined,
  ) {
    super(`spool ack of batch ${id}, but ${oldestId === undefined ? 'no batch is waiting' : `the oldest waiting batch is ${oldestId}`}`);
    this.name = 'SpoolAckError';
  }
}

export class BatchTooLargeError extends Error {
  constructor(
    readonly rows: number,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`a batch of ${rows} rows takes ${bytes} bytes, more than the whole spool may (${maxBytes})`);
    this.name = 'BatchTooLargeError';
  }
}
