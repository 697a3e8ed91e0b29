import { Writable } from 'node:stream';
import { startDemoLabSystem } from '../../demo/lab-system';
import { demoPeople } from '../../demo/people';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { databaseCheck } from '../../ops/checks';
import { Metrics } from '../../ops/metrics';
import { startLabListeners, type LabListeners } from '../../services/lab-listener';
import { startOpsListener } from '../../services/ops-listener';
import { mllpClient } from '../support/mllp-client';
import { openTestDb } from '../support/db';
import { valueOf } from './support/scrape';

/**
 * The lab listeners have no HTTP server of their own: with OPS_PORT they get an ops listener, which
 * answers as the gateway's ops routes do, and counts every message by its ACK code.
 */
const silent = createLogger('fatal', new Writable({ write: (_c, _e, done) => done() }));
let db: Awaited<ReturnType<typeof openTestDb>>;
let listeners: LabListeners;
let ops: { stop(): Promise<void> };
let opsUrl: string;
let sourceId: string;

beforeAll(async () => {
  db = await openTestDb('lab_ops');
  const config = loadConfig({ ...process.env, OPS_PORT: '0', SUBGRAPH_BASE_PORT: '0' });
  config.sources = config.sources.map((s) => (s.protocol === 'hl7v2-mllp' ? { ...s, port: 0 } : s));
  const metrics = new Metrics({ service: 'lab-listener' });
  listeners = await startLabListeners({ config, logger: silent, db, metrics });
  sourceId = 'lab-mtl-centre';
  const lines: string[] = [];
  ops = await startOpsListener(config, { metrics, checks: () => [databaseCheck(db), ...listeners.checks()], say: (line) => lines.push(line) });
  opsUrl = /ops: (\S+)\/health/.exec(lines[0])![1];
  const lab = await startDemoLabSystem({ host: '127.0.0.1', port: listeners.ports.get(sourceId)!, people: demoPeople() });
  await lab.close();
  const client = await mllpClient(listeners.ports.get(sourceId)!);
  client.send('NOT HL7 AT ALL');
  await client.until(1);
  client.destroy();
}, 60_000);
afterAll(async () => {
  await ops?.stop();
  await listeners?.stop();
  await db?.drop();
});

describe('the lab listeners, with OPS_PORT set', () => {
  test('/health answers 200 {"status":"ok"} on the ops port', async () => {
    const response = await fetch(`${opsUrl}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  test('/ready names the database and each lab source listener "ok"', async () => {
    const response = await fetch(`${opsUrl}/ready`);
    expect(response.status).toBe(200);
    // The demo's laboratory, and its MLLP pharmacy: one listener each.
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'ok', ...Object.fromEntries([...listeners.ports.keys()].map((id) => [`mllp:${id}`, 'ok'])) } });
    expect([...listeners.ports.keys()]).toContain(sourceId);
  });

  test('/metrics counts accepted messages AA and a message that is not HL7 AR', async () => {
    const text = await (await fetch(`${opsUrl}/metrics`)).text();
    expect(valueOf(text, 'qhr_hl7_messages_total', { source: sourceId, ack: 'AA' })).toBeGreaterThan(0);
    expect(valueOf(text, 'qhr_hl7_messages_total', { source: sourceId, ack: 'AR' })).toBe(1);
    expect(text).not.toMatch(/[A-Z]{4}\d{8}/);
  });

  test('without OPS_PORT there is no ops listener', async () => {
    const config = loadConfig({ ...process.env, OPS_PORT: '' });
    const lines: string[] = [];
    await (await startOpsListener(config, { metrics: new Metrics({ service: 'x' }), checks: [], say: (line) => lines.push(line) })).stop();
    expect(lines).toEqual([]);
  });
});
