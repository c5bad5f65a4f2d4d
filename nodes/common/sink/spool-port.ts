// The part of the durable spool (nodes/common/spool, checksummed segment files) the batch writer uses, so a
// sink never touches files and a test can spool in memory. DurableSpool<Row> fits it as it is.

export interface SpoolFigures {
  /** Rows waiting in the spool. */
  rows: number;
  /** Rows the spool had to give up past its size limit (or found damaged), ever. */
  droppedRows: number;
}

export interface SpoolPort<Row> {
  /** Keeps one batch, durably, behind the ones before it. */
  append(rows: readonly Row[]): Promise<void>;
  /** The oldest batch, without removing it. */
  peek(): Promise<{ id: number; rows: Row[] } | undefined>;
  /** Removes the batch peek handed out, once the store has it. */
  ack(id: number): Promise<void>;
  readonly stats: SpoolFigures;
  readonly isEmpty: boolean;
  close(): Promise<void>;
}
