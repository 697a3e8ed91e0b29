import { auditAcks, type AckAudit } from '../../bench/lab/ack-audit';
import { streamWithAcks } from '../../bench/lab/acked-stream';
import { loadMessages } from '../../bench/lab/load-messages';
import { connectOutcome, onPostgres, startApart, type Apart } from './support/apart';

// Issue #8 §7: the lab listener told to stop (SIGTERM) while a laboratory streams results over
// four MLLP connections. Original acknowledgment mode promises the laboratory that a message
// answered AA is stored, and that one without an answer is not: it will send it again.
const describeApart = onPostgres ? describe : describe.skip;
const SIGNAL_AFTER_ACKS = 150;

let apart: Apart;
const seen = {
  audit: undefined as AckAudit | undefined,
  newConnectionAfterSignal: undefined as string | undefined,
  exit: undefined as { code: number | null; signal: NodeJS.Signals | null } | undefined,
};

beforeAll(async () => {
  if (!onPostgres) return;
  apart = await startApart('shutdown_lab');
  const listener = apart.system.services.get('lab-listener')!;
  let acks = 0;
  let signalled: Promise<void> | undefined;
  const stream = await streamWithAcks({
    port: apart.system.lab.port,
    connections: 4,
    messages: loadMessages(3000)[Symbol.iterator](),
    onAck() {
      if (++acks !== SIGNAL_AFTER_ACKS) return;
      listener.signal('SIGTERM');
      signalled = listener.line(/stopping/, true).then(async () => {
        seen.newConnectionAfterSignal = await connectOutcome(apart.system.lab.port);
      });
    },
  });
  await signalled;
  seen.exit = await listener.exited;
  seen.audit = await auditAcks(apart.db, apart.system.lab.sourceId, stream);
}, 240_000);
afterAll(() => apart?.stop(), 60_000);

describeApart('the lab listener told to stop (SIGTERM) while messages stream in (issue #8 §7)', () => {
  test('the stream was cut by the signal: more messages were sent than the ones before it', () => {
    expect(seen.audit!.acks.AA).toBeGreaterThanOrEqual(SIGNAL_AFTER_ACKS);
    expect(seen.audit!.sent).toBeLessThan(3000);
  });

  test('every message acknowledged AA is stored exactly once, with all its results', () => {
    const { acks, stored, lost, incomplete } = seen.audit!;
    expect({ lost, incomplete, stored }).toEqual({ lost: 0, incomplete: 0, stored: acks.AA });
  });

  test('every message not acknowledged AA is not stored', () => {
    expect(seen.audit!.storedWithoutAa).toBe(0);
    expect(Object.keys(seen.audit!.acks)).toEqual(['AA']);
  });

  test('a connection opened after the signal is refused', () => {
    expect(seen.newConnectionAfterSignal).toBe('refused');
  });

  test('the process exits 0 once the messages it had received are answered', () => {
    expect(seen.exit).toEqual({ code: 0, signal: null });
  });
});

if (!onPostgres) test.skip('graceful shutdown runs our services apart: set DATABASE_URL', () => undefined);
