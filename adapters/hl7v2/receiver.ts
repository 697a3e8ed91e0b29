import { createHash } from 'node:crypto';
import net from 'node:net';
import { Hl7Message } from '@medplum/core';
import type { Logger } from '../../lib/logger';
import type { SourceConfig } from '../../lib/sources';
import type { CrossReference } from '../port';
import { buildAck, type AckOutcome } from './ack';
import type { LabMessageStore } from './lab-store';
import { DEFAULT_MAX_FRAME_BYTES, MllpDeframer, charsetOf, frame } from './mllp';
import { readOru, type OruMessage } from './oru';
import { ErrorCode, reject } from './rejection';

export interface MllpReceiverOptions {
  source: SourceConfig;
  /** Stores each message (and PID-3's links, the locator entries) in one transaction with others; ./lab-store.ts. */
  store: LabMessageStore;
  /** Gives MR-only messages the NAM the cross-reference already knows for their MR. */
  xref: Pick<CrossReference, 'namFor'>;
  logger: Logger;
  /** Interface to listen on; all of them when unset. */
  host?: string;
  /** Overrides source.port (0: any free port, for tests). */
  port?: number;
  maxFrameBytes?: number;
}

export interface MllpReceiver {
  port: number;
  /** Stops accepting, lets each connection finish the message it is storing, then closes them. */
  close(): Promise<void>;
}

/** Past this many messages waiting on one connection we stop reading from it until it drains. */
const PAUSE_AT = 64;

/**
 * The MLLP listener of one lab source (HL7 v2.5.1 Appendix C, original acknowledgment mode
 * Ch. 2 §2.9.2): each message is validated, stored (the store writes the messages of all
 * connections arriving together in one transaction), and only after that commit acknowledged AA.
 * Messages of one connection are handled in the order they came, one at a time, so ACKs go back in
 * order. Logs name the source, a hash of the control id and the outcome, never content.
 */
export async function startMllpReceiver(options: MllpReceiverOptions): Promise<MllpReceiver> {
  const { source, logger } = options;
  const connections = new Set<{ socket: net.Socket; idle: () => Promise<void> }>();
  const server = net.createServer((socket) => {
    const connection = serve(socket, options);
    connections.add(connection);
    socket.on('close', () => connections.delete(connection));
  });
  const port = options.port ?? source.port ?? 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: NodeJS.ErrnoException) => logger.error({ source: source.id, code: error.code }, 'mllp listener error'));
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(
        [...connections].map(async ({ socket, idle }) => {
          await idle();
          // end() flushes the last ACK; destroy() alone could drop it.
          await new Promise<void>((resolve) => {
            socket.end(resolve);
            setTimeout(resolve, 1000).unref();
          });
          socket.destroy();
        }),
      );
      await closed;
    },
  };
}

/** One connection: frames in, one handled message at a time, ACK frames out. */
function serve(socket: net.Socket, options: MllpReceiverOptions) {
  const { source, logger } = options;
  let queue = Promise.resolve();
  let waiting = 0;
  const deframer = new MllpDeframer(
    {
      frame(payload) {
        waiting++;
        if (waiting >= PAUSE_AT) socket.pause();
        queue = queue.then(async () => {
          const charset = charsetOf(payload);
          const ack = await handle(payload.toString(charset), options);
          if (!socket.destroyed) socket.write(frame(Buffer.from(`${ack.toString()}\r`, charset)));
          if (--waiting < PAUSE_AT / 4 && socket.isPaused()) socket.resume();
        });
      },
      discard(kind, bytes) {
        logger.warn({ source: source.id, kind, bytes }, 'mllp bytes outside a message discarded');
      },
    },
    options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
  );
  socket.on('data', (data: Buffer) => deframer.push(data));
  socket.on('error', (error: NodeJS.ErrnoException) => logger.debug({ source: source.id, code: error.code }, 'mllp connection error'));
  return { socket, idle: () => queue };
}

/** Validate, store, answer. Never throws: every path ends in an ACK. */
async function handle(text: string, options: MllpReceiverOptions): Promise<Hl7Message> {
  const { source, logger } = options;
  let message: Hl7Message | undefined;
  const answer = (outcome: AckOutcome, fields: Record<string, unknown> = {}) => {
    const controlId = message?.header.getField(10)?.toString();
    const level = outcome.ackCode === 'AA' ? 'info' : 'warn';
    logger[level](
      { source: source.id, control: controlId ? digest(controlId) : undefined, ack: outcome.ackCode, ...(outcome.ackCode !== 'AA' ? { error: outcome.errorCode, reason: outcome.reason } : {}), ...fields },
      'lab message',
    );
    return buildAck(message, outcome, source.timeZone);
  };
  try {
    message = Hl7Message.parse(text.replace(/^[\r\n]+/, ''));
  } catch {
    return answer(reject('AR', ErrorCode.SEGMENT_SEQUENCE, 'the message does not start with MSH'));
  }
  try {
    const read = readOru(message, source);
    if (!read.ok) return answer(read.rejection);
    await fillNamsFromXref(read.message, options);
    let saved;
    try {
      saved = await options.store.saveMessage(source.id, read.message);
    } catch (error) {
      // Never AA without the rows on disk: AE so the sender keeps the message and sends it again.
      return answer(reject('AE', ErrorCode.INTERNAL, 'the message could not be stored; send it again'), { failure: failureOf(error) });
    }
    if (saved === 'conflict') return answer(reject('AE', ErrorCode.DUPLICATE_KEY, 'MSH-10 was already used by this sender for another message', { segment: 'MSH', sequence: 1, field: 10 }));
    const results = read.message.patients.reduce((n, p) => n + p.results.length, 0);
    return answer({ ackCode: 'AA', text: saved === 'duplicate' ? 'already received; stored once' : 'OK' }, { results, duplicate: saved === 'duplicate' });
  } catch (error) {
    return answer(reject('AE', ErrorCode.INTERNAL, 'the message could not be processed; send it again'), { failure: failureOf(error) });
  }
}

/**
 * An MR-only group whose MR the cross-reference already knows is stored with that NAM. When its MRs
 * point at different people, or the index cannot answer, it is stored under the MRs alone: nothing
 * is lost, and the read side can still find it by local id.
 */
async function fillNamsFromXref(message: OruMessage, { source, xref, logger }: MllpReceiverOptions): Promise<void> {
  for (const group of message.patients) {
    if (group.patient.nam || group.patient.localIds.length === 0) continue;
    try {
      const nams = new Set((await Promise.all(group.patient.localIds.map((id) => xref.namFor(source.id, id)))).filter((n): n is string => !!n));
      if (nams.size === 1) group.patient = { ...group.patient, nam: [...nams][0] };
    } catch (error) {
      logger.warn({ source: source.id, failure: failureOf(error) }, 'cross-reference lookup failed; results kept under the local id');
    }
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 12);

/** A loggable name for an error: a driver's code or the class, never its message (it may quote values). */
const failureOf = (error: unknown) => (error as { code?: string })?.code ?? (error as Error)?.name ?? 'Error';
