import net from 'node:net';

/**
 * A TCP proxy of the test's own between our services and a shared server (PostgreSQL, Redis):
 * the only way a test may make that server disappear, hang or crawl, since the real one is
 * shared and never stopped, blocked or reconfigured.
 */
export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  /** Connections open through the proxy now. */
  readonly connections: number;
  /** Every proxied connection closed at once, both ends (a restart, a failover, pg_terminate_backend); new ones still pass. */
  dropAll(): void;
  /** Open connections closed, new ones reset as they arrive: a server restarting. */
  refuse(): void;
  /** Connections accepted, and nothing passes either way on any of them: a cut network, a frozen host. */
  blackhole(): void;
  /** Every chunk, each way, held this long before it is passed on, in order: a crawling server or link. */
  delay(ms: number): void;
  /** Passes everything again; connections that lost bytes in a blackhole are closed (they are out of step). */
  heal(): void;
  close(): Promise<void>;
}

type Mode = { kind: 'forward'; delayMs: number } | { kind: 'refuse' } | { kind: 'blackhole' };

interface Pair {
  client: net.Socket;
  server: net.Socket;
  lostBytes: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = { kind: 'forward', delayMs: 0 };
  const pairs = new Set<Pair>();
  const end = (pair: Pair) => {
    pairs.delete(pair);
    pair.client.destroy();
    pair.server.destroy();
  };

  const proxy = net.createServer((client) => {
    if (mode.kind === 'refuse') return void client.resetAndDestroy();
    const server = net.connect(target.port, target.host);
    const pair: Pair = { client, server, lostBytes: false };
    pairs.add(pair);
    relay(pair, client, server);
    relay(pair, server, client);
    for (const socket of [client, server]) {
      socket.on('error', () => end(pair));
      socket.on('close', () => end(pair));
    }
  });

  /** Passes `from`'s bytes to `to` as the mode says, keeping their order whatever the delays. */
  const relay = (pair: Pair, from: net.Socket, to: net.Socket) => {
    const held: { due: number; chunk: Buffer }[] = [];
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      while (held.length > 0 && held[0].due <= Date.now()) if (!to.destroyed) to.write(held.shift()!.chunk);
      if (held.length > 0) timer = setTimeout(pump, held[0].due - Date.now());
    };
    from.on('data', (chunk: Buffer) => {
      if (mode.kind !== 'forward') return void (pair.lostBytes = true);
      held.push({ due: Date.now() + mode.delayMs, chunk });
      if (!timer) pump();
    });
    from.on('close', () => clearTimeout(timer));
  };

  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as net.AddressInfo;
  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    get connections() {
      return pairs.size;
    },
    dropAll: () => [...pairs].forEach(end),
    refuse() {
      mode = { kind: 'refuse' };
      [...pairs].forEach(end);
    },
    blackhole() {
      mode = { kind: 'blackhole' };
    },
    delay(ms) {
      mode = { kind: 'forward', delayMs: ms };
    },
    heal() {
      mode = { kind: 'forward', delayMs: 0 };
      [...pairs].filter((pair) => pair.lostBytes).forEach(end);
    },
    async close() {
      [...pairs].forEach(end);
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}

/** Where a postgres:// or redis:// URL points. */
export function targetOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port) || (parsed.protocol.startsWith('redis') ? 6379 : 5432) };
}
