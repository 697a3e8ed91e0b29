import { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import type { Logger } from '../lib/logger';
import type { SourceConfig } from '../lib/sources';

/** Where a demo system sends its HL7 v2 messages, and how patiently. */
export interface DemoSenderOptions {
  host: string;
  port: number;
  /** The source it feeds: its time zone is the sender's local time. */
  source?: SourceConfig;
  logger?: Logger;
  /** How long to keep trying to connect while the listener is not up yet. */
  connectWithinMs?: number;
  /** How long to wait for each ACK before reconnecting and sending the message again. */
  ackTimeoutMs?: number;
}

export interface DemoSender {
  sent: number;
  acked: number;
  close(): Promise<void>;
}

/** Which demo system speaks, for its log lines (never a person). */
export interface DemoSenderName {
  /** `lab` or `pharmacy`: the log field that says which demo system it is. */
  field: string;
  /** "demo laboratory", "demo pharmacy". */
  name: string;
  /** What its messages carry: "results", "dispenses". */
  carrying: string;
}

/**
 * Connects (retrying for a bounded time), sends every message, waits for each ACK, and resolves
 * once all are answered. A message that gets no ACK in time is sent again on a new connection, at
 * most three times: the listener is idempotent, so that is always safe.
 */
export async function sendDemoMessages(texts: readonly string[], options: DemoSenderOptions, who: DemoSenderName): Promise<DemoSender> {
  const client = new Hl7Client({ host: options.host, port: options.port, connectTimeout: 2000 });
  const result = { sent: 0, acked: 0, close: () => client.close() };
  try {
    await connectWithRetry(client, options.connectWithinMs ?? 15_000, who.name);
    for (const text of texts) {
      result.sent++;
      const ackCode = await sendWithRetry(client, Hl7Message.parse(text), options.ackTimeoutMs ?? 10_000, who.name);
      if (ackCode === 'AA') result.acked++;
      else options.logger?.warn({ [who.field]: 'demo', ack: ackCode }, `${who.name}: message not accepted`);
    }
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  }
  options.logger?.info({ [who.field]: 'demo', sent: result.sent, acked: result.acked }, `${who.name}: ${who.carrying} sent`);
  return result;
}

async function connectWithRetry(client: Hl7Client, withinMs: number, name: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 2000)) {
    try {
      await client.connect();
      return;
    } catch (error) {
      if (Date.now() + wait > deadline) throw new Error(`${name}: no MLLP listener at ${client.host}:${client.port} (${(error as Error).message})`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

async function sendWithRetry(client: Hl7Client, message: Hl7Message, timeoutMs: number, name: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      const ack = await withTimeout(client.sendAndWait(message), timeoutMs);
      return ack.getSegment('MSA')?.getField(1)?.toString() ?? '';
    } catch (error) {
      if (attempt >= 3) throw error;
      await client.close().catch(() => undefined);
      await connectWithRetry(client, timeoutMs, name);
    }
  }
}

/**
 * Not sendAndWait's own `timeoutMs`: @medplum/hl7 4.5.2 leaves that timer running after the ACK
 * arrives, which keeps a finished demo (and a test run) alive until it fires.
 */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ACK within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
