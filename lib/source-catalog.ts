import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from './logger';
import { isConnected, readSourcesFile, type SourceConfig } from './sources';

/** What a service reacts to when the catalogue changes: the sources now connected, and all listed. */
export type CatalogListener = (connected: readonly SourceConfig[], all: readonly SourceConfig[]) => void;

export interface SourceCatalogOptions {
  /** The sources file; without it the catalogue is fixed (tests, a list built in code). */
  file?: string;
  timeZone: string;
  /** The list read at start (lib/config.ts already checked it). */
  initial: readonly SourceConfig[];
  logger?: Logger;
  now?: () => Date;
}

/** The outcome of the last reload, for the coverage query and `/ready`-style probes. */
export interface CatalogState {
  loadedAt: Date;
  /** Why the newest file was not taken (the running list stays), until a good file is read. */
  error?: { at: Date; message: string };
}

/**
 * The connected sources of a running service, reloaded without a restart (issue #9 §7): when the
 * sources file changes (watched), on SIGHUP, and each minute for sources whose `connectedSince`
 * day has come. A file that fails the check leaves the running list in place; the error is logged
 * and kept (it names an entry and a field, never a person: a sources file holds no personal data).
 * Each service that holds one reacts to changes (domain subgraphs ask the new sources, the roster
 * reader reads them, the lab listener opens their ports, the gateway names them in Patient.sources).
 */
export class SourceCatalog {
  private listed: readonly SourceConfig[];
  private live: readonly SourceConfig[];
  private readonly listeners = new Set<CatalogListener>();
  private readonly stops: (() => void)[] = [];
  private state: CatalogState;

  constructor(private readonly options: SourceCatalogOptions) {
    this.listed = options.initial;
    this.live = this.connectedOf(options.initial);
    this.state = { loadedAt: this.now() };
  }

  /** The sources a view may ask now (their `connectedSince` day has come). */
  get connected(): readonly SourceConfig[] {
    return this.live;
  }

  /** Every source the file lists, planned ones included (the coverage query shows both). */
  get all(): readonly SourceConfig[] {
    return this.listed;
  }

  get status(): CatalogState {
    return this.state;
  }

  /** Calls `listener` at each change from now on; returns how to stop. */
  onChange(listener: CatalogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads the file again; false (and the running list kept) when it fails the check. */
  reload(why: string): boolean {
    const { file, logger } = this.options;
    if (!file) return true;
    let next: SourceConfig[];
    try {
      next = readSourcesFile(file, { timeZone: this.options.timeZone });
    } catch (error) {
      // Named by its file name only: the coverage query shows this to providers, not the servers' layout.
      this.state = { ...this.state, error: { at: this.now(), message: (error as Error).message.split(file).join(basename(file)) } };
      logger?.error({ why, error: (error as Error).message }, 'sources file refused: the running sources stay in place');
      return false;
    }
    const changed = JSON.stringify(this.listed) !== JSON.stringify(next);
    // Unchanged, the running objects stay: nothing downstream is rebuilt for a touch of the file.
    if (changed) this.listed = next;
    this.state = { loadedAt: this.now() };
    this.refresh(changed);
    logger?.info({ why, sources: next.length, connected: this.live.length }, 'sources file reloaded');
    return true;
  }

  /**
   * Keeps the catalogue current: watches the file's folder (editors replace a file rather than
   * write it, which a watch on the file itself would miss), answers SIGHUP, and looks for
   * `connectedSince` days that have come every `everyMs`.
   */
  watch(everyMs = 60_000): void {
    const { file } = this.options;
    if (file) {
      let debounce: NodeJS.Timeout | undefined;
      let watcher: FSWatcher | undefined;
      try {
        watcher = watch(dirname(file), (_event, name) => {
          if (name !== null && name !== basename(file)) return;
          clearTimeout(debounce);
          // One save is often several events (truncate, write, rename): read once they settle.
          debounce = setTimeout(() => this.reload('file changed'), 200);
        });
        watcher.on('error', () => undefined);
      } catch (error) {
        this.options.logger?.warn({ error: (error as Error).message }, 'sources file cannot be watched: reload with SIGHUP');
      }
      const onHup = () => void this.reload('SIGHUP');
      process.on('SIGHUP', onHup);
      this.stops.push(() => {
        clearTimeout(debounce);
        watcher?.close();
        process.off('SIGHUP', onHup);
      });
    }
    const timer = setInterval(() => this.refresh(false), everyMs);
    timer.unref();
    this.stops.push(() => clearInterval(timer));
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    this.listeners.clear();
  }

  private refresh(listChanged: boolean): void {
    const next = this.connectedOf(this.listed);
    const connectedChanged = next.length !== this.live.length || next.some((source, i) => source !== this.live[i]);
    this.live = next;
    if (!listChanged && !connectedChanged) return;
    for (const listener of this.listeners) {
      try {
        listener(this.live, this.listed);
      } catch (error) {
        this.options.logger?.error({ error: (error as Error).message }, 'a service could not take the new sources');
      }
    }
  }

  private connectedOf(sources: readonly SourceConfig[]): readonly SourceConfig[] {
    const now = this.now();
    return sources.filter((source) => isConnected(source, now));
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** A catalogue that never changes: for code and tests that build their sources in place. */
export const fixedCatalog = (sources: readonly SourceConfig[], timeZone = 'America/Montreal') => new SourceCatalog({ initial: sources, timeZone });
