import { appendCheckpoint, holdsCheckpoints } from './access-log-checkpoint-files';
import type { Checkpoint } from './access-log-checkpoint';

export interface Head {
  chain: string;
  seq: number;
  hash: string;
}

export interface CheckpointerOptions {
  dir: string;
  /** The checkpoint key (access-log-keys.ts), never the link key. */
  key: Buffer;
  /** 0: only when the writer stops. */
  intervalMs: number;
  /** The writer's committed head: only entries the database confirmed are vouched for. */
  head(): Head | undefined;
  /** The heads of the chains written before checkpoints existed (v1/v2), sealed once (see below). */
  legacyHeads(): Promise<Head[]>;
  /** Told when a checkpoint could not be written; the writer goes on, and retries at the next tick. */
  onError?(chain: string, error: Error): void;
}

/**
 * Writes signed checkpoints of one writer's chain head into the checkpoint directory, every
 * `intervalMs` when the head moved and once more when the writer stops (issue #8 §5). It runs on
 * its own timer, never in a request: requests wait for their entries, not for checkpoints.
 *
 * The first checkpoint written into an empty directory also seals the heads of the v1/v2 chains
 * (written before checkpoints existed, and no longer written by anyone), so that from then on
 * their truncation shows too, and a v1/v2 chain that appears later (forged without the key, which
 * v1/v2 links do not need) has no checkpoint and is reported.
 */
export class HeadCheckpointer {
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private lastSeq = 0;
  /** Whether the legacy chains are still to be sealed: decided once, at the first checkpoint. */
  private legacy?: 'to seal' | 'done';

  constructor(private readonly options: CheckpointerOptions) {}

  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.checkpoint(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes the final checkpoint (call once the writer drained). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.checkpoint();
  }

  /** One checkpoint at a time, in order. */
  checkpoint(): Promise<void> {
    this.running = this.running.then(() => this.write());
    return this.running;
  }

  private async write(): Promise<void> {
    const head = this.options.head();
    try {
      await this.sealLegacy();
      if (!head || head.seq === 0 || head.seq === this.lastSeq) return;
      await this.append(head);
      this.lastSeq = head.seq;
    } catch (error) {
      this.options.onError?.(head?.chain ?? '', error as Error);
    }
  }

  private async sealLegacy(): Promise<void> {
    this.legacy ??= (await holdsCheckpoints(this.options.dir)) ? 'done' : 'to seal';
    if (this.legacy === 'done') return;
    // A retry after a failure may append a seal twice: the same line, harmless.
    for (const head of await this.options.legacyHeads()) await this.append(head);
    this.legacy = 'done';
  }

  private append(head: Head): Promise<void> {
    const checkpoint: Checkpoint = { chain: head.chain, seq: head.seq, hash: head.hash, at: new Date().toISOString() };
    return appendCheckpoint(this.options.dir, checkpoint, this.options.key);
  }
}
