import { createReadStream } from 'node:fs';
import { mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { checkpointFileName, checkpointLine, readCheckpointLine, type Checkpoint } from './access-log-checkpoint';

/**
 * The checkpoint directory (AUDIT_CHECKPOINT_DIR): one append-only JSON-lines file per chain
 * (issue #8 §5). Each line is written in one append and fsync'd before the writer counts it, so a
 * checkpoint it reports is on disk.
 */

const SUFFIX = '.jsonl';

/** Appends one signed checkpoint to its chain's file, creating the directory and the file as needed. */
export async function appendCheckpoint(dir: string, checkpoint: Checkpoint, key: Buffer): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const file = await open(join(dir, checkpointFileName(checkpoint.chain)), 'a', 0o640);
  try {
    await file.appendFile(`${checkpointLine(checkpoint, key)}\n`, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await syncDirectory(dir);
}

/** fsync of the directory, so a file just created survives a crash too (POSIX: the entry is the directory's). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether the directory holds any checkpoint file yet (a missing directory holds none). */
export async function holdsCheckpoints(dir: string): Promise<boolean> {
  return (await checkpointFiles(dir)).length > 0;
}

export interface CheckpointsRead {
  /** Every well-signed checkpoint, per chain, in increasing seq. */
  byChain: Map<string, Checkpoint[]>;
  count: number;
  /** Lines whose signature fails: forged or altered files (file name and 1-based line number). */
  forged: { file: string; line: number }[];
}

/**
 * Reads every checkpoint file, a line at a time. A last line without its newline is a write cut
 * short by a crash, not a forgery, and is skipped; any other line must carry a good signature.
 */
export async function readCheckpoints(dir: string, key: Buffer): Promise<CheckpointsRead> {
  const read: CheckpointsRead = { byChain: new Map(), count: 0, forged: [] };
  for (const file of await checkpointFiles(dir)) {
    const lines = await linesOf(join(dir, file));
    lines.forEach((text, index) => {
      const last = index === lines.length - 1;
      if (text === '' && last) return;
      const checkpoint = readCheckpointLine(text, key);
      if (!checkpoint) {
        if (!(last && lines.tornTail)) read.forged.push({ file, line: index + 1 });
        return;
      }
      const list = read.byChain.get(checkpoint.chain) ?? [];
      list.push(checkpoint);
      read.byChain.set(checkpoint.chain, list);
      read.count += 1;
    });
  }
  for (const list of read.byChain.values()) list.sort((a, b) => a.seq - b.seq);
  return read;
}

async function checkpointFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith(SUFFIX)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The file's lines, and whether its last one lacks a newline. */
async function linesOf(path: string): Promise<string[] & { tornTail?: boolean }> {
  const lines: string[] & { tornTail?: boolean } = [];
  let endsWithNewline = true;
  const stream = createReadStream(path, { encoding: 'utf8' });
  stream.on('data', (chunk) => {
    if (chunk.length > 0) endsWithNewline = String(chunk).endsWith('\n');
  });
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) lines.push(line);
  lines.tornTail = lines.length > 0 && !endsWithNewline;
  return lines;
}
