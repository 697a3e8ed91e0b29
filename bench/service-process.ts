import { spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const ROOT = join(__dirname, '..');

/**
 * One service of ours in a process of its own, as an operator runs it: `node --import tsx
 * services/<x>.ts …args` (services/run.ts), ready once it prints its line. It can be signalled,
 * killed and started again: what the shutdown specs and the soak (issue #8 §7, §8) do to it; the
 * bench's systems (bench/system.ts) are made of these too.
 */
export interface ServiceProcess {
  name: string;
  pid: number;
  /** The line's first capture group (an address), once the service is up. */
  ready: Promise<string>;
  /** How it ended: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every stderr line so far (services/run.ts progress: service names, ports, counts; never a record). */
  lines: string[];
  /** Resolves at the first stderr line matching `pattern` from now on (or already printed, when `past`). */
  line(pattern: RegExp, past?: boolean): Promise<string>;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface ServiceSpec {
  name: string;
  /** Relative to the repository: `services/gateway.ts`. */
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** A line of its stderr that says it is up; its first group is what `ready` resolves with. */
  readyLine: RegExp;
  readyWithinMs?: number;
  /** Node's own flags before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

const alive = new Set<ChildProcess>();
// A run that dies must not leave our services behind.
process.on('exit', () => alive.forEach((child) => child.kill('SIGKILL')));

export function startServiceProcess(spec: ServiceSpec): ServiceProcess {
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), '--import', pathToFileURL(require.resolve('tsx')).href, join(ROOT, spec.script), ...(spec.args ?? [])], {
    cwd: ROOT,
    env: spec.env,
    // stdout is pino's JSON (LOG_LEVEL warn or less, nothing personal): not read, but kept in
    // BENCH_LOG_DIR when set, to find out why a run failed.
    stdio: ['ignore', process.env.BENCH_LOG_DIR ? openSync(join(process.env.BENCH_LOG_DIR, `${spec.name.replace(/[^\w.-]+/g, '_')}.log`), 'a') : 'ignore', 'pipe'],
  });
  alive.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive.delete(child);
      resolve({ code, signal });
    }),
  );
  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve(line: string): void }>();
  createInterface({ input: child.stderr! }).on('line', (text) => {
    lines.push(text);
    if (lines.length > 500) lines.shift();
    for (const waiter of [...waiters]) {
      if (!waiter.pattern.test(text)) continue;
      waiters.delete(waiter);
      waiter.resolve(text);
    }
  });
  const line = (pattern: RegExp, past = false) => {
    const seen = past ? lines.find((text) => pattern.test(text)) : undefined;
    return seen !== undefined ? Promise.resolve(seen) : new Promise<string>((resolve) => waiters.add({ pattern, resolve }));
  };
  const ready = readyOf(spec, line, exited, lines);
  ready.catch(() => undefined);
  const signal = (name: NodeJS.Signals) => void (child.exitCode === null && child.signalCode === null && child.kill(name));
  return {
    name: spec.name,
    pid: child.pid!,
    ready,
    exited,
    lines,
    line,
    signal,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readyOf(spec: ServiceSpec, line: ServiceProcess['line'], exited: ServiceProcess['exited'], lines: string[]): Promise<string> {
  const withinMs = spec.readyWithinMs ?? 180_000;
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    line(spec.readyLine, true).then((text) => spec.readyLine.exec(text)?.[1] ?? text),
    // Progress lines name services and ports only: safe to repeat in the error.
    exited.then(({ code, signal }) => Promise.reject(new Error(`${spec.name} exited (${signal ?? code}) before it was ready: ${lines.slice(-3).join(' | ')}`))),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${spec.name} was not ready within ${withinMs / 1000} s`)), withinMs))),
  ]).finally(() => clearTimeout(timer));
}
