import { streamWithAcks, type LabStreamReport } from '../bench/lab/acked-stream';
import { loadMessages } from '../bench/lab/load-messages';

/**
 * A laboratory streaming results to the lab listener for the whole soak: `connections` MLLP
 * connections, each opened again when a fault closes it, paced to about `perSecond` messages a
 * second in all. Each message is sent once; every ACK is kept for the audit (bench/lab/ack-audit.ts).
 */
export function labStream(options: { port: number; connections: number; perSecond: number; minutes: number; running(): boolean; onAck?(controlId: string, code: string): void }): Promise<LabStreamReport> {
  // Enough distinct messages for the whole run at the pace asked, and then some.
  const messages = loadMessages(Math.ceil(options.minutes * 60 * options.perSecond * 1.5) + 100)[Symbol.iterator]();
  return streamWithAcks({
    port: options.port,
    connections: options.connections,
    messages,
    pauseMs: Math.round((1000 * options.connections) / options.perSecond),
    stopped: () => !options.running(),
    reconnect: true,
    ackTimeoutMs: 20_000,
    onAck: options.onAck,
  });
}
