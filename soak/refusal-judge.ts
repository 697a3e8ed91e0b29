/**
 * Whether a record read while a consent clerk changes refusals was served against a refusal
 * (issue #8 §8). The register's state is known only from the clerk's confirmed answers: while a
 * change is under way, or after one failed (it may have committed), nothing read is judged. A read
 * is a violation when it served the record (`patient` not null) to a provider who never consulted
 * it, the refusal was confirmed before the read started, and no change was sent while it ran.
 */
export type KnownState = 'open' | 'refused' | 'uncertain';

export interface Snapshot {
  state: KnownState;
  version: number;
}

export class RefusalJudge {
  private readonly people = new Map<string, Snapshot>();

  snapshot(nam: string): Snapshot {
    return { ...(this.people.get(nam) ?? { state: 'open', version: 0 }) };
  }

  /** A change is sent: until its answer the state is not known. */
  changing(nam: string): void {
    this.set(nam, 'uncertain');
  }

  confirmed(nam: string, state: 'open' | 'refused'): void {
    this.set(nam, state);
  }

  /** A change got no clear answer: it may or may not have committed. */
  failed(nam: string): void {
    this.set(nam, 'uncertain');
  }

  /** 'violation', 'kept' (a refused record refused), or 'not-judged'. */
  judge(nam: string, atStart: Snapshot, served: boolean): 'violation' | 'kept' | 'not-judged' {
    if (atStart.state !== 'refused' || this.snapshot(nam).version !== atStart.version) return 'not-judged';
    return served ? 'violation' : 'kept';
  }

  private set(nam: string, state: KnownState): void {
    this.people.set(nam, { state, version: this.snapshot(nam).version + 1 });
  }
}
