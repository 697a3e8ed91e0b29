import { once } from 'node:events';
import net from 'node:net';
import { MllpDeframer, frame } from '../../adapters/hl7v2/mllp';

/** An ACK as a lab's operators would read it: its MSA and ERR segments. */
export interface ReceivedAck {
  msa: string;
  err?: string;
  /** The whole ACK, for the rare test that reads MSH. */
  text: string;
}

/**
 * A lab system's end of an MLLP connection, bare: sends what a client library would not (noise,
 * half a frame, bytes in any charset), collects the ACKs, and tells when the listener closes.
 */
export interface MllpTestClient {
  /** Bytes as they are, no framing. */
  write(bytes: string | Buffer): void;
  /** One message in VT ... FS CR (a string is sent as UTF-8). */
  send(message: string | Buffer): void;
  acks: ReceivedAck[];
  /** Waits for n ACKs (5 s at most). */
  until(n: number): Promise<ReceivedAck[]>;
  /** Settles when the connection is closed (by either side). */
  closed: Promise<void>;
  isClosed(): boolean;
  destroy(): void;
}

/** Wraps a socket that is connected (or connecting: TLS) to a listener. */
export function mllpClientOver(socket: net.Socket): MllpTestClient {
  const acks: ReceivedAck[] = [];
  let isClosed = false;
  const closed = new Promise<void>((resolve) => socket.once('close', () => ((isClosed = true), resolve())));
  socket.on('error', () => undefined);
  const deframer = new MllpDeframer({
    frame(payload) {
      const text = payload.toString('latin1');
      const segments = text.split('\r');
      acks.push({ msa: segments.find((s) => s.startsWith('MSA'))!, err: segments.find((s) => s.startsWith('ERR')), text });
    },
    discard: () => undefined,
  });
  socket.on('data', (data: Buffer) => deframer.push(data));
  return {
    write: (bytes) => void socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes),
    send: (message) => void socket.write(frame(typeof message === 'string' ? Buffer.from(message, 'utf8') : message)),
    acks,
    async until(n) {
      for (let waited = 0; acks.length < n; waited += 10) {
        if (waited > 5000) throw new Error(`only ${acks.length} of ${n} ACKs`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return acks;
    },
    closed,
    isClosed: () => isClosed,
    destroy: () => socket.destroy(),
  };
}

/** A plain TCP client, connected. */
export async function mllpClient(port: number, host = '127.0.0.1'): Promise<MllpTestClient> {
  const socket = net.connect(port, host);
  await once(socket, 'connect');
  return mllpClientOver(socket);
}

/** Resolves with how long `promise` took, or rejects after `ms`. */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)))]);
  clearTimeout(timer);
  return Date.now() - started;
}
