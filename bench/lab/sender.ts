/**
 * The load generator of the lab ingestion bench, run as its own process (so its work is not
 * counted as the listener's): opens K MLLP connections to host:port and streams N ORU^R01
 * messages (./load-messages.ts) over them, each connection sending its next message only when the
 * ACK of the previous one has arrived (HL7 v2.5.1 Ch. 2 §2.9.2, original acknowledgment mode; MLLP
 * Appendix C). Messages are built and framed before the clock starts. Prints one JSON line:
 * {messages, acked, aa, errors, seconds, perSecond}, perSecond counting AA (accepted) messages.
 *
 *   tsx bench/lab/sender.ts --host 127.0.0.1 --port 4130 --connections 16 --messages 20000
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { MllpDeframer, frame } from '../../adapters/hl7v2/mllp';
import { loadMessages } from './load-messages';

export interface SenderReport {
  messages: number;
  /** ACKs received, whatever their code. */
  acked: number;
  /** ACKs with MSA-1 = AA. */
  aa: number;
  /** Other ACK codes, broken connections, messages never answered. */
  errors: number;
  seconds: number;
  perSecond: number;
}

/** MSA-1 of an ACK, read without a full parse (the sender must stay cheap beside the listener). */
export function ackCodeOf(ack: string): string {
  const msa = ack.split('\r').find((segment) => segment.startsWith('MSA'));
  return msa?.split(msa[3] ?? '|')[1] ?? '';
}

export async function send(options: { host: string; port: number; connections: number; messages: number; timeoutMs: number }): Promise<SenderReport> {
  const frames = loadMessages(options.messages).map((text) => frame(Buffer.from(text, 'utf8')));
  const counts = { acked: 0, aa: 0, errors: 0 };
  let next = 0;
  const sockets = await Promise.all(Array.from({ length: options.connections }, () => connect(options.host, options.port)));
  const started = performance.now();
  const connectionDone = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        let waiting = false;
        const sendNext = () => {
          if (next >= frames.length) return void (socket.end(), resolve());
          waiting = true;
          socket.write(frames[next++]);
        };
        const deframer = new MllpDeframer({
          frame(payload) {
            waiting = false;
            counts.acked++;
            if (ackCodeOf(payload.toString('utf8')) === 'AA') counts.aa++;
            else counts.errors++;
            sendNext();
          },
          discard: () => undefined,
        });
        socket.on('data', (data: Buffer) => deframer.push(data));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (waiting) counts.errors++;
          resolve();
        });
        sendNext();
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs)));
  await Promise.race([Promise.all(connectionDone), timedOut]);
  clearTimeout(timer);
  const seconds = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.destroy();
  const unanswered = options.messages - counts.acked - counts.errors;
  const errors = counts.errors + Math.max(0, unanswered);
  return { messages: options.messages, acked: counts.acked, aa: counts.aa, errors, seconds: round(seconds, 3), perSecond: round(counts.aa / seconds, 1) };
}

function connect(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.once('connect', () => (socket.off('error', reject), resolve(socket)));
    socket.once('error', reject);
  });
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string' },
      connections: { type: 'string', default: '16' },
      messages: { type: 'string', default: '20000' },
      'timeout-ms': { type: 'string', default: '300000' },
    },
  });
  const number = (name: string, raw: string | undefined) => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  send({
    host: values.host!,
    port: number('port', values.port),
    connections: number('connections', values.connections),
    messages: number('messages', values.messages),
    timeoutMs: number('timeout-ms', values['timeout-ms']),
  }).then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      process.exit(report.errors === 0 ? 0 : 1);
    },
    (error: Error) => {
      process.stderr.write(`sender: ${error.message}\n`);
      process.exit(2);
    },
  );
}
