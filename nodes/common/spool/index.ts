// The durable spool sinks share: batches wait on disk while their database is away.
export { DurableSpool } from './durable-spool';
export type { SpooledBatch, SpoolOptions, SpoolRecovery, SpoolStats } from './durable-spool';
export { BatchTooLargeError, SpoolAckError, SpoolClosedError } from './spool-errors';
