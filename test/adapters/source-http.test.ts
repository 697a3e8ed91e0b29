import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchJsonAnswer } from '../../adapters/http';

/**
 * How the pull adapters talk HTTP to a source (adapters/http.ts): a real server on a free port,
 * answering as a FHIR server or a PACS might.
 */
let server: http.Server;
let base: string;
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      const send = (status: number, text: string, headers: http.OutgoingHttpHeaders = {}) => res.writeHead(status, { date: 'Tue, 24 Nov 2026 12:00:00 GMT', ...headers }).end(text);
      if (req.url === '/moved-temporarily') return send(307, '', { location: '/fhir/Patient/_search' });
      if (req.url === '/see-other') return send(303, '', { location: '/fhir/Patient?page=2' });
      if (req.url === '/loop') return send(302, '', { location: '/loop' });
      if (req.url === '/html') return send(200, '<html>Patient TREM75561212 not found</html>');
      if (req.url === '/error') return send(500, '{"issue":"TREM75561212"}');
      if (req.url === '/empty') return send(204, '');
      return send(200, JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0 }), { 'content-type': 'application/fhir+json' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => (seen.length = 0));

const ask = (path: string, extra: Partial<Parameters<typeof fetchJsonAnswer>[0]> = {}) =>
  fetchJsonAnswer({ url: `${base}${path}`, accept: 'application/fhir+json', signal: new AbortController().signal, ...extra });

test('a search posted as a form reaches the source with its parameters and gives the parsed bundle and the source clock', async () => {
  const answer = await ask('/fhir/Patient/_search', { method: 'POST', form: new URLSearchParams({ identifier: 'https://www.ramq.gouv.qc.ca/nam|TREM75561212' }) });
  expect(answer.body).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 0 });
  expect(answer.date?.toISOString()).toBe('2026-11-24T12:00:00.000Z');
  expect(seen[0]).toMatchObject({ method: 'POST', body: 'identifier=https%3A%2F%2Fwww.ramq.gouv.qc.ca%2Fnam%7CTREM75561212' });
});

test('a source whose base moved (307) is followed with the same method and form', async () => {
  await ask('/moved-temporarily', { method: 'POST', form: new URLSearchParams({ _count: '50' }) });
  expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
    ['POST', '/moved-temporarily', '_count=50'],
    ['POST', '/fhir/Patient/_search', '_count=50'],
  ]);
});

test('a 303 answer is followed as a GET without the form', async () => {
  await ask('/see-other', { method: 'POST', form: new URLSearchParams({ _count: '50' }) });
  expect(seen.map((s) => [s.method, s.url, s.body])).toEqual([
    ['POST', '/see-other', '_count=50'],
    ['GET', '/fhir/Patient?page=2', ''],
  ]);
});

test('a source redirecting in a loop is an error after a few hops, not a hang', async () => {
  await expect(ask('/loop')).rejects.toMatchObject({ name: 'SourceError', failure: 'http-status' });
  expect(seen.length).toBe(6);
});

test('an answer that is not JSON is "malformed", and its text is never repeated in the error', async () => {
  const failure = await ask('/html').catch((error: Error) => error);
  expect(failure).toMatchObject({ name: 'SourceError', failure: 'malformed' });
  expect(String((failure as Error).message)).not.toMatch(/TREM|html/);
});

test('an error status says the status only, never the body', async () => {
  const failure = await ask('/error').catch((error: Error) => error);
  expect(failure).toMatchObject({ failure: 'http-status', message: 'http-status: HTTP 500' });
});

test('204 No Content is an empty answer', async () => {
  expect((await ask('/empty')).body).toBeUndefined();
});

test('a source that does not answer in time is a timeout', async () => {
  const silent = http.createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/fhir/Patient`;
    await expect(fetchJsonAnswer({ url, accept: 'application/fhir+json', signal: new AbortController().signal, timeoutMs: 200 })).rejects.toMatchObject({ failure: 'timeout' });
  } finally {
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  }
});

test('a source that refuses connections is a network failure', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  await expect(fetchJsonAnswer({ url: `http://127.0.0.1:${port}/fhir`, accept: 'application/fhir+json', signal: new AbortController().signal })).rejects.toMatchObject({ failure: 'network', message: 'network: ECONNREFUSED' });
});
