import net from 'node:net';
import tls from 'node:tls';
import type { Span, Tracer } from '@opentelemetry/api';
import { inSpan, SpanKind } from '../../ops/spans';
import { answerFrame, answerOversize, type AnswerContext } from './answer';
import { DEFAULT_MAX_FRAME_BYTES } from './mllp';
import { serveMllpConnection, type ConnectionLimits, type MllpConnection } from './mllp-connection';
import { isAllowedSender, senderAllowList } from './sender-allow-list';
import { readTlsServerOptions } from './tls-server-options';

export interface MllpReceiverOptions extends AnswerContext, Partial<ListenerLimits> {
  /** Interface to listen on; all of them when unset. */
  host?: string;
  /** Overrides source.port (0: any free port, for tests). */
  port?: number;
  /** OpenTelemetry tracer (ops/tracing.ts) when tracing is on: a span per message, with its ACK code. */
  tracer?: Tracer;
}

/** lib/config.ts `mllp`, field for field (MLLP_* variables). */
export interface ListenerLimits extends ConnectionLimits {
  /** Connections open at once; one more is refused at once, unread. 0: no cap. */
  maxConnections: number;
}

/** The defaults of lib/config.ts, for callers that pass none. */
const DEFAULT_LIMITS: ListenerLimits = { idleTimeoutMs: 120_000, maxConnections: 32, maxFrameBytes: DEFAULT_MAX_FRAME_BYTES, frameTimeoutMs: 30_000 };

export interface MllpReceiver {
  port: number;
  /** Whether it still accepts connections (readiness probes). */
  readonly listening: boolean;
  /**
   * Graceful shutdown (SIGTERM): stops accepting; each connection answers (stores and
   * acknowledges) the messages it has received, abandons one still arriving, then closes.
   */
  close(): Promise<void>;
}

/**
 * The MLLP listener of one lab source (HL7 v2.5.1 Appendix C): plain TCP or TLS (sources file
 * `tls`), open to the senders of `allowedSenders` only when it is set, at most `maxConnections` at
 * once. A refused connection is closed before anything is read from it, and counted in the log
 * (source id, count; for an unknown sender its address, which is a lab system's, not a person's).
 * Each connection is served by ./mllp-connection.ts, each message answered by ./answer.ts.
 * TLS files are read here, at start: a bad one stops the start, naming the source and the field.
 */
export async function startMllpReceiver(options: MllpReceiverOptions): Promise<MllpReceiver> {
  const { source, logger } = options;
  const limits = limitsOf(options);
  if (!(limits.maxFrameBytes > 0)) throw new Error(`source ${source.id}: maxFrameBytes must be a positive number of bytes`);
  const allowed = source.allowedSenders ? senderAllowList(source.allowedSenders) : undefined;
  // Handshakes come from sockets we hand over (tls.Server 'connection'), after our own checks.
  const tlsServer = source.tls ? tls.createServer({ ...readTlsServerOptions(source), handshakeTimeout: limits.idleTimeoutMs || DEFAULT_LIMITS.idleTimeoutMs }) : undefined;
  const answers = {
    frame: (payload: Buffer) => (options.tracer ? tracedAnswer(options.tracer, payload, options) : answerFrame(payload, options)),
    oversize: (header: Buffer) => answerOversize(header, limits.maxFrameBytes, options),
  };
  const connections = new Set<MllpConnection>();
  /** Accepted TCP sockets, TLS handshakes under way included (close() ends those). */
  const sockets = new Set<net.Socket>();
  const refused = { cap: 0, sender: 0 };
  let stopping = false;

  const serve = (socket: net.Socket) => {
    if (stopping) return void socket.destroy();
    const connection = serveMllpConnection(socket, answers, limits, { source: source.id, logger });
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  };

  const server = net.createServer((socket) => {
    if (allowed && !isAllowedSender(allowed, socket)) {
      socket.destroy();
      refused.sender++;
      logger.warn({ source: source.id, peer: socket.remoteAddress, refused: refused.sender }, 'mllp connection refused: sender not in allowedSenders');
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (!tlsServer) return serve(socket);
    socket.on('error', (error: NodeJS.ErrnoException) => logger.debug({ source: source.id, code: error.code }, 'mllp connection error'));
    tlsServer.emit('connection', socket);
  });
  // net.Server closes a connection past maxConnections itself, before any read, and says 'drop'.
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  server.on('drop', () => {
    refused.cap++;
    logger.warn({ source: source.id, limit: limits.maxConnections, refused: refused.cap }, 'mllp connection refused: connection cap reached');
  });
  tlsServer?.on('secureConnection', serve);
  tlsServer?.on('tlsClientError', (error: NodeJS.ErrnoException) => logger.warn({ source: source.id, code: error.code }, 'mllp TLS handshake refused'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? source.port ?? 0, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error: NodeJS.ErrnoException) => logger.error({ source: source.id, code: error.code }, 'mllp listener error'));
  return {
    port: (server.address() as net.AddressInfo).port,
    get listening() {
      return server.listening && !stopping;
    },
    async close() {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections].map((connection) => connection.close()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function limitsOf(options: Partial<ListenerLimits>): ListenerLimits {
  const pick = (key: keyof ListenerLimits) => options[key] ?? DEFAULT_LIMITS[key];
  return { idleTimeoutMs: pick('idleTimeoutMs'), maxConnections: pick('maxConnections'), maxFrameBytes: pick('maxFrameBytes'), frameTimeoutMs: pick('frameTimeoutMs') };
}

/**
 * One message answered inside a span of its own (issue #10 §3): the source id and the ACK code
 * (MSA-1: AA, AE, AR) only, never MSH-10 or anything of PID. A lab pushes on its own schedule, so
 * the span starts a trace of its own.
 */
function tracedAnswer(tracer: Tracer, payload: Buffer, context: AnswerContext): Promise<Buffer> {
  const answer = (span?: Span) =>
    answerFrame(payload, {
      ...context,
      onAck: (sourceId, ackCode) => {
        span?.setAttribute('hl7.ack_code', ackCode);
        context.onAck?.(sourceId, ackCode);
      },
    });
  return inSpan(tracer, 'hl7v2 message', { 'qhr.source_id': context.source.id }, answer, { kind: SpanKind.SERVER });
}
