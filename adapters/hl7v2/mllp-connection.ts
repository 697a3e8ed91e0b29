import type { Socket } from 'node:net';
import type { Logger } from '../../lib/logger';
import { MllpDeframer, frame } from './mllp';

/** The per-connection limits (issue #8 §3), named as in lib/config.ts `mllp`. */
export interface ConnectionLimits {
  /** Nothing from the sender, and nothing owed to it, for this long: the connection is closed. 0: never. */
  idleTimeoutMs: number;
  /** Most bytes between VT and FS; a larger message is answered AR and the connection closed. */
  maxFrameBytes: number;
  /** VT without FS for this long: the message is abandoned and the connection closed. 0: never. */
  frameTimeoutMs: number;
}

/** What to send back; the connection only frames, orders and times. */
export interface FrameAnswers {
  /** The ACK for a complete block; never throws. */
  frame(payload: Buffer): Promise<Buffer>;
  /** The NAK for a block past maxFrameBytes, from its first segment. */
  oversize(header: Buffer): Buffer;
}

export interface MllpConnection {
  /**
   * Graceful shutdown: reads nothing more (a message still arriving is abandoned), answers the
   * messages already received, in order, then closes.
   */
  close(): Promise<void>;
}

/** Past this many messages waiting on one connection we stop reading from it until it drains. */
const PAUSE_AT = 64;
/** How long a closing connection waits for the sender to close its side (after reading our last ACK). */
const LINGER_MS = 1000;

/**
 * One MLLP connection (HL7 v2.5.1 Appendix C §C.4): blocks in, one answered at a time and in the
 * order they came (original mode, Ch. 2 §2.9.2), ACK blocks out; and the limits that keep a
 * sender from holding the listener: idle time, block size, time to finish a block.
 */
export function serveMllpConnection(socket: Socket, answers: FrameAnswers, limits: ConnectionLimits, log: { source: string; logger: Logger }): MllpConnection {
  const { source, logger } = log;
  let queue: Promise<void> = Promise.resolve();
  /** Messages received and not yet answered. */
  let waiting = 0;
  let frameTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  const send = (ack: Buffer) => {
    if (!socket.destroyed) socket.write(frame(ack));
  };
  const enqueue = (work: () => Promise<void> | void) => {
    queue = queue.then(work).catch((error: unknown) => {
      // Answers never throw; if one did, the order of ACKs could no longer be kept.
      logger.error({ source, failure: (error as Error)?.name }, 'mllp answer failed; connection dropped');
      socket.destroy();
    });
  };
  const stopFrameTimer = () => {
    clearTimeout(frameTimer);
    frameTimer = undefined;
  };
  const startFrameTimer = () => {
    stopFrameTimer();
    if (limits.frameTimeoutMs > 0) frameTimer = setTimeout(abandon, limits.frameTimeoutMs);
  };
  /**
   * A message begun in the bytes read just before we stopped reading (too many waiting): the
   * wait is ours, not the sender's, so its clock starts when we read again.
   */
  let heldFrame = false;
  const readAgain = () => {
    if (heldFrame) startFrameTimer();
    heldFrame = false;
    socket.resume();
  };

  const deframer = new MllpDeframer(
    {
      begin() {
        heldFrame = socket.isPaused();
        if (heldFrame) stopFrameTimer();
        else startFrameTimer();
      },
      frame(payload) {
        stopFrameTimer();
        heldFrame = false;
        waiting++;
        if (waiting >= PAUSE_AT) socket.pause();
        enqueue(async () => {
          send(await answers.frame(payload));
          waiting--;
          if (waiting < PAUSE_AT / 4 && socket.isPaused() && !closing) readAgain();
        });
      },
      discard(kind, bytes) {
        logger.warn({ source, kind, bytes }, 'mllp bytes outside a message discarded');
      },
      oversize(header) {
        // The deframer kept no more than the cap and reads nothing more: the AR goes after the
        // ACKs of the messages before it, then the connection closes.
        stopFrameTimer();
        heldFrame = false;
        enqueue(() => send(answers.oversize(header)));
        logger.warn({ source, limit: limits.maxFrameBytes }, 'mllp message over the size limit: answered AR, connection closed');
        void close();
      },
    },
    limits.maxFrameBytes,
  );

  /**
   * VT came but no FS within frameTimeoutMs: the partial message is dropped unread and the
   * connection closed once the messages before it are answered. No NAK: MSA-2 must echo the
   * MSH-10 of a message we never finished reading. The sender sees its connection closed with no
   * ACK for that message; in original mode (§2.9.2) that means not accepted, so it sends it again
   * on a new connection. We stored nothing, so the resend is the only copy.
   */
  function abandon() {
    logger.warn({ source, limit: limits.frameTimeoutMs }, 'mllp message not ended in time: abandoned, connection closed');
    void close();
  }

  function close(): Promise<void> {
    closing ??= (async () => {
      stopFrameTimer();
      heldFrame = false;
      deframer.halt();
      socket.setTimeout(0);
      // Keep reading (into the halted deframer): unread bytes would make the kernel answer our close
      // with a reset, which can destroy the last ACK before the sender reads it.
      socket.resume();
      for (let drained = queue; ; drained = queue) {
        await drained;
        if (drained === queue) break;
      }
      await endGracefully(socket);
    })();
    return closing;
  }

  socket.on('data', (data: Buffer) => deframer.push(data));
  if (limits.idleTimeoutMs > 0) socket.setTimeout(limits.idleTimeoutMs);
  socket.on('timeout', () => {
    // A sender waiting for our ACK is not idle: writing the ACK restarts the timer.
    if (waiting > 0 || closing) return;
    logger.info({ source, limit: limits.idleTimeoutMs }, 'mllp connection idle: closed');
    void close();
  });
  socket.on('close', () => {
    stopFrameTimer();
    deframer.halt();
  });
  socket.on('error', (error: NodeJS.ErrnoException) => logger.debug({ source, code: error.code }, 'mllp connection error'));
  return { close };
}

/** end() flushes the last ACK and sends FIN; destroy() alone could drop it. */
async function endGracefully(socket: Socket): Promise<void> {
  if (socket.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, LINGER_MS);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.end();
  });
  socket.destroy();
}
