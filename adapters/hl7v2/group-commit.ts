/**
 * Group commit: items submitted while a commit is in flight wait and are written together by the
 * next one, so N concurrent writers pay for one transaction (one WAL flush) instead of N. There is
 * no timer: an idle committer starts at the next turn of the event loop (setImmediate, so frames
 * that arrived in the same I/O phase go together), a busy one takes everything queued as soon as
 * the previous commit ends. Under load batches grow by themselves; alone, an item waits one tick.
 *
 * Each item learns its own outcome only when the commit that wrote it has returned. A batch that
 * fails is retried item by item, so one bad item fails alone and the innocent ones of its batch
 * are written and answered normally.
 */
export interface GroupCommitOptions {
  /** Most items in one commit (bounds a transaction's size and the cost of a retry one by one). */
  maxBatch?: number;
  /** Told when a batch of several failed and is being retried one by one (for a log line). */
  onBatchFailure?(error: unknown, size: number): void;
}

interface Waiting<Item, Outcome> {
  item: Item;
  resolve(outcome: Outcome): void;
  reject(error: unknown): void;
}

export const DEFAULT_MAX_BATCH = 500;

export class GroupCommit<Item, Outcome> {
  private queue: Waiting<Item, Outcome>[] = [];
  private busy = false;

  /** `commit` writes the items in one transaction and returns one outcome per item, in order; it throws to fail them all. */
  constructor(
    private readonly commit: (items: Item[]) => Promise<Outcome[]>,
    private readonly options: GroupCommitOptions = {},
  ) {}

  /** Items waiting for the next commit (not those of the commit in flight). */
  get waiting(): number {
    return this.queue.length;
  }

  submit(item: Item): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    const max = this.options.maxBatch ?? DEFAULT_MAX_BATCH;
    try {
      while (this.queue.length > 0) await this.run(this.queue.splice(0, max));
    } finally {
      this.busy = false;
    }
  }

  private async run(batch: Waiting<Item, Outcome>[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.commit(batch.map((w) => w.item));
      if (outcomes.length !== batch.length) throw new Error('group commit: one outcome per item expected');
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      this.options.onBatchFailure?.(error, batch.length);
      // Alone, in order: only the item that really fails is refused.
      for (const waiting of batch) await this.commit([waiting.item]).then(([outcome]) => waiting.resolve(outcome), waiting.reject);
      return;
    }
    batch.forEach((waiting, i) => waiting.resolve(outcomes[i]));
  }
}
