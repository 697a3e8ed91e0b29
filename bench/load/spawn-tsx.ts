import { spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

export type TsxChild = ChildProcessByStdio<Writable, Readable, null>;

/**
 * Runs a TypeScript program in a process of its own: `node --import tsx <script> …args`, so the
 * child is one process (its pid is the program's) with an event loop of its own. Its stdout is
 * ours to read (one result line); its stderr goes to ours (progress and failures, never data).
 * Its stdin stays open: the child watches it and stops when we go, so none is left behind.
 */
export function spawnTsx(script: string, args: readonly string[]): TsxChild {
  return spawn(process.execPath, ['--import', pathToFileURL(require.resolve('tsx')).href, script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/**
 * The rest of the first stdout line that starts with `prefix`. Rejects when the child exits
 * first, or after `timeoutMs` (the child is then killed).
 */
export function lineFrom(child: TsxChild, prefix: string, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const done = (settle: () => void) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      settle();
    };
    const onLine = (line: string) => {
      if (line.startsWith(prefix)) done(() => resolve(line.slice(prefix.length)));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => done(() => reject(new Error(`${what} exited before answering (${signal ?? `code ${code}`})`)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      done(() => reject(new Error(`${what} did not answer within ${timeoutMs / 1000} s`)));
    }, timeoutMs);
    lines.on('line', onLine);
    child.once('exit', onExit);
  });
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
