import net from 'node:net';
import { MllpDeframer, frame } from '../../adapters/hl7v2/mllp';
import { ackCodeOf } from './sender';

/**
 * A laboratory streaming ORU^R01 messages over MLLP and keeping, for each message, how it was
 * answered (issue #8 §7, §8): the proof that nothing acknowledged AA is lost needs the control ids
 * of the AA messages, which bench/lab/sender.ts only counts. Original acknowledgment mode (HL7
 * v2.5.1 Ch. 2 §2.9.2): one message in flight per connection, the next sent once its ACK arrived.
 * A message whose connection closed, or whose ACK did not come in time, has no entry in `acks`:
 * for the sender it is not accepted.
 */
export interface LabStreamOptions {
  host?: string;
  port: number;
  /** The messages, taken in turn by every connection (segments end in CR). */
  messages: Iterator<string>;
  connections: number;
  /** Waited between an ACK and the next message (pacing; default none). */
  pauseMs?: number;
  /** Checked before each message: once true, no more is sent. */
  stopped?: () => boolean;
  /** Open a new connection when one is closed or refused, until stopped (default: that connection's stream ends). */
  reconnect?: boolean;
  ackTimeoutMs?: number;
  /** Told of each ACK as it comes (MSA-1), e.g. to signal a listener after the n-th. */
  onAck?(controlId: string, code: string): void;
}

export interface LabStreamReport {
  /** MSH-10 of every message written to a connection, in order. */
  sent: string[];
  /** MSA-1 (AA, AE, AR) by MSH-10, for every message whose ACK came. */
  acks: Map<string, string>;
}

/** MSH-10 of a message (control ids are plain text in our messages and the samples). */
export const controlIdOf = (message: string) => message.slice(0, message.indexOf('\r')).split('|')[9] ?? '';

export async function streamWithAcks(options: LabStreamOptions): Promise<LabStreamReport> {
  const report: LabStreamReport = { sent: [], acks: new Map() };
  const stopped = () => options.stopped?.() ?? false;
  const take = () => (stopped() ? undefined : options.messages.next());
  const connection = async () => {
    for (;;) {
      const socket = await connect(options.host ?? '127.0.0.1', options.port);
      if (socket) {
        await sendOver(socket, take, report, options);
        socket.destroy();
      }
      if (!options.reconnect || stopped()) return;
      await pause(socket ? 100 : 500);
    }
  };
  await Promise.all(Array.from({ length: options.connections }, connection));
  return report;
}

/** Sends messages one at a time on one connection until they run out, it is stopped, or the connection ends. */
async function sendOver(socket: net.Socket, take: () => IteratorResult<string> | undefined, report: LabStreamReport, options: LabStreamOptions): Promise<void> {
  const answers = ackQueue(socket);
  for (;;) {
    const next = take();
    if (!next || next.done) return;
    const controlId = controlIdOf(next.value);
    report.sent.push(controlId);
    socket.write(frame(Buffer.from(next.value, 'utf8')));
    const ack = await answers.next(options.ackTimeoutMs ?? 30_000);
    if (ack === undefined) return;
    const code = ackCodeOf(ack);
    report.acks.set(controlId, code);
    options.onAck?.(controlId, code);
    if (options.pauseMs) await pause(options.pauseMs);
  }
}

/** The ACKs of one connection, in order; undefined once it closed or an ACK is late. */
function ackQueue(socket: net.Socket): { next(timeoutMs: number): Promise<string | undefined> } {
  const ready: string[] = [];
  let waiter: ((ack: string | undefined) => void) | undefined;
  let closed = false;
  const deframer = new MllpDeframer({ frame: (payload) => (waiter ? (waiter(payload.toString('latin1')), (waiter = undefined)) : ready.push(payload.toString('latin1'))), discard: () => undefined });
  socket.on('data', (data: Buffer) => deframer.push(data));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
    waiter?.(undefined);
    waiter = undefined;
  });
  return {
    next(timeoutMs) {
      if (ready.length > 0) return Promise.resolve(ready.shift());
      if (closed) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          socket.destroy();
          resolve(undefined);
        }, timeoutMs);
        waiter = (ack) => {
          clearTimeout(timer);
          resolve(ack);
        };
      });
    },
  };
}

function connect(host: string, port: number): Promise<net.Socket | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
