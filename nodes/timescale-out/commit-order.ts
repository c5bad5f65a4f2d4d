// Two batches of one table on the wire at once, committed in the order they were given: the next batch
// copies its rows while the one before commits (alone, the server would wait on the writer between batches,
// and the writer on the server's commit), so a table's rows still become visible batch by batch, in order.
//
// Each write of a table takes a turn when it is handed its batch. It copies inside a transaction and
// commits only once the batch before has committed; if that one failed, it rolls back and fails with the
// same error, so the batch writer spools it behind the failed one and the table's order holds through an
// outage too. It opens its transaction only once the batch before has made its schema changes: an ALTER
// TABLE waits for every open transaction on the table, and this one would be waiting for the ALTER's
// batch, a deadlock the server cannot see. (A batch that has to change the schema again after its table
// changed behind our back, see DbWriter, could still meet an open transaction of the next batch; the
// statement timeout ends that wait, and both batches go to the spool.)

export class CommitOrder {
  /** The latest turn of each table, while it is not finished. */
  private readonly latest = new Map<string, Turn>();

  /** The next turn of `table`; take turns in the order the batches are to commit. */
  enter(table: string): Turn {
    const turn = new Turn(this.latest.get(table), () => {
      if (this.latest.get(table) === turn) this.latest.delete(table);
    });
    this.latest.set(table, turn);
    return turn;
  }
}

export class Turn {
  private schemaDone = false;
  private finished = false;
  private readonly schema = deferred<void>();
  private readonly outcome = deferred<Error | undefined>();

  constructor(
    /** Dropped once this turn is finished, so finished turns do not chain up in memory. */
    private before: Turn | undefined,
    private readonly onFinished: () => void,
  ) {}

  /** Whether the batch before is still being written: else there is nothing to wait for, or to commit after. */
  get follows(): boolean {
    return this.before !== undefined && !this.before.finished;
  }

  /** Resolves once the batch before has made its schema changes: a transaction on the table may open. */
  async mayOpen(): Promise<void> {
    await this.before?.schema.promise;
  }

  /** This batch's schema changes are made. */
  schemaMade(): void {
    if (this.schemaDone) return;
    this.schemaDone = true;
    this.schema.resolve();
  }

  /** Resolves once the batch before has committed: undefined, or the error it failed with. */
  async mayCommit(): Promise<Error | undefined> {
    return this.before?.outcome.promise;
  }

  /** This batch is stored (`err` undefined) or failed; either way the next may go on. The first call counts. */
  finish(err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.schemaMade();
    this.outcome.resolve(err);
    this.before = undefined;
    this.onFinished();
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
