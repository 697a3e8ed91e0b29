import { developmentToken } from '../bin/token';
import { mllpClient } from '../test/support/mllp-client';
import { corpus, padded, type CorpusCase } from '../test/corpus/support/cases';
import { identityProvider, type JwtCase } from '../test/corpus/support/identity-provider';
import { bearer, post } from './client';

/** What the bad input of the corpus got, sent at random during the soak. */
export interface BadInputReport {
  sent: number;
  /** Answered as the corpus case says (status and code, or MSA-1). */
  asExpected: number;
  /** Anything else, by what came back: `HTTP 503`, `ACK AE`, `network`… (counts, never bodies). */
  otherwise: Record<string, number>;
}

type Sender = (c: CorpusCase) => Promise<string>;

const READ = 'query Read($nam: NAM!) { patient(nam: $nam) { nam medications { id } } }';

/**
 * Cases of test/corpus (GraphQL bodies, NAMs, forged tokens, HL7 v2 messages that must not be
 * accepted) sent one at a time at random moments, `everyMs` apart on average, until `running()`
 * says stop. What each got is compared with what its case file says.
 */
export const newBadInputReport = (): BadInputReport => ({ sent: 0, asExpected: 0, otherwise: {} });

/** Fills `report` as it goes (the soak prints it while it runs). */
export async function badInput(report: BadInputReport, options: { url: string; labPort: number; jwtSecret: string; everyMs: number; running(): boolean; random(): number }): Promise<BadInputReport> {
  const idp = await identityProvider();
  const token = await developmentToken({ sub: 'MD-SOAK-BAD', role: 'physician', facility: 'soak' }, options.jwtSecret, '12h');
  const http = (body: string | Uint8Array, headers = bearer(token)) => post(options.url, body, headers).then(({ outcome }) => `HTTP ${outcome.status}`);
  const senders: [CorpusCase[], Sender, (c: CorpusCase) => string][] = [
    [corpus('graphql'), (c) => http(c.spec.raw !== undefined ? new Uint8Array(padded(Buffer.from(c.spec.raw, 'utf8'), c.spec.pad)) : JSON.stringify(c.spec.json)), (c) => `HTTP ${c.expect.status}`],
    [corpus('nam'), (c) => http(JSON.stringify({ query: READ, variables: { nam: c.spec.nam } })), (c) => (c.expect.accepted ? 'HTTP 200' : 'HTTP 400')],
    [corpus('jwt'), async (c) => http(JSON.stringify({ query: READ, variables: { nam: 'TREM75561212' } }), bearer(await idp.forge(c.spec as JwtCase))), () => 'HTTP 401'],
    [corpus('hl7v2').filter((c) => c.expect.ack !== 'AA'), (c) => ackOf(options.labPort, c.data!), (c) => `ACK ${c.expect.ack}`],
  ];
  try {
    while (options.running()) {
      await new Promise((resolve) => setTimeout(resolve, options.random() * 2 * options.everyMs));
      if (!options.running()) break;
      const [cases, send, expected] = senders[Math.floor(options.random() * senders.length)];
      const c = cases[Math.floor(options.random() * cases.length)];
      const got = await send(c).catch(() => 'network');
      report.sent++;
      if (got === expected(c)) report.asExpected++;
      else report.otherwise[got] = (report.otherwise[got] ?? 0) + 1;
    }
  } finally {
    await idp.close();
  }
  return report;
}

/** MSA-1 of the listener's answer to one message on a connection of its own. */
async function ackOf(port: number, data: Buffer): Promise<string> {
  const client = await mllpClient(port);
  try {
    client.send(data);
    const [ack] = await client.until(1);
    return `ACK ${ack.msa.split('|')[1]}`;
  } finally {
    client.destroy();
  }
}
