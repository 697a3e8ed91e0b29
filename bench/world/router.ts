import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { requestOrigin } from '../../demo/request-origin';
import { expectedOf } from './expected';
import { FhirProblem } from './fhir-search';
import { fhirTenants } from './fhir-tenant';
import { latencyOf, latencyRule, waitUntil, type LatencyOption, type LatencyRule } from './latency';
import type { WorldModel } from './model';
import { qidoTenants } from './qido-tenant';
import type { RequestStats } from './stats';

/** What the world's control routes change while it runs. */
export interface WorldState {
  latency: LatencyRule;
  readonly stats: RequestStats;
}

interface Answer {
  status: number;
  body?: unknown;
  type?: string;
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_BYTES = 1 << 20;

class TooLarge extends Error {}

/**
 * Every request of the world. `/<source id>/fhir/…` and `/<source id>/dicom-web/…` are the
 * sources: answered, and held until the source's latency has passed since the request arrived;
 * counted when a view would send it (isRecordSearch), not when the roster reader or a
 * CapabilityStatement read does, which run on their own schedule. `/_…` are the bench's controls
 * (stats, latency, what a person should be found to have, the process's usage): neither counted
 * nor delayed. Nothing is ever logged: requests name people.
 */
export function worldHandler(model: WorldModel, state: WorldState, ownUrl: () => string): RequestListener {
  const fhir = fhirTenants(model);
  const qido = qidoTenants(model);

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const url = new URL(req.url ?? '/', 'http://world.invalid');
    const [id, api, ...rest] = url.pathname.split('/').filter(Boolean);
    if (id?.startsWith('_')) return send(res, await control(req, [id, api].filter(Boolean).join('/')));
    const source = id ? model.sourceById(id) : undefined;
    if (!source || source.path !== `/${id}/${api}`) return send(res, { status: 404, body: { error: 'no source at this path' } });
    if (isRecordSearch(api, rest, url.searchParams)) state.stats.count(source.index);
    const due = arrived + latencyOf(state.latency, source.index);
    // Links are built on the address the client used (as HAPI does), so paging works through a proxy or another host name.
    const base = `${requestOrigin(req.headers.host, ownUrl())}${source.path}`;
    const method = req.method ?? 'GET';
    let answer: Answer;
    if (api === 'fhir') {
      try {
        const params = url.searchParams;
        if (method === 'POST') for (const [name, value] of await formOf(req)) params.append(name, value);
        const { status, body } = fhir(source, { method, rest, params, base });
        answer = { status, body, type: FHIR_JSON };
      } catch (error) {
        const problem = error instanceof FhirProblem ? error : error instanceof TooLarge ? new FhirProblem(413, 'too-costly', 'the search form is too large') : new FhirProblem(500, 'invalid', 'the server could not answer');
        answer = { status: problem.status, body: outcome(problem), type: FHIR_JSON };
      }
    } else {
      const { status, body } = qido(source, { method, rest, params: url.searchParams, accept: req.headers.accept, base });
      answer = { status, body, type: status === 200 ? 'application/dicom+json' : 'application/json' };
    }
    // Serialized before the wait: a source's set latency is the whole of its answer's time.
    const body = answer.body === undefined ? undefined : JSON.stringify(answer.body);
    await waitUntil(due);
    send(res, { ...answer, body }, method === 'HEAD');
  }

  async function control(req: IncomingMessage, path: string): Promise<Answer> {
    const route = `${req.method} ${path}`;
    if (route === 'GET _stats') return { status: 200, body: { requests: state.stats.snapshot() } };
    if (route === 'POST _stats/reset') {
      state.stats.reset();
      return { status: 204 };
    }
    if (route === 'POST _latency') {
      try {
        const option = await jsonOf(req);
        if (option === undefined || option === null) throw new Error('latency: send a JSON rule');
        state.latency = latencyRule(option as LatencyOption);
        return { status: 204 };
      } catch (error) {
        return { status: 400, body: { error: (error as Error).message } };
      }
    }
    if (route === 'POST _expected') {
      const nam = ((await jsonOf(req)) as { nam?: unknown })?.nam;
      const person = typeof nam === 'string' ? model.personOfNam(nam) : undefined;
      return { status: 200, body: { known: person !== undefined, sources: person === undefined ? [] : expectedOf(model, person) } };
    }
    if (route === 'GET _process') {
      const { rss, heapUsed } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      return { status: 200, body: { pid: process.pid, rssBytes: rss, heapUsedBytes: heapUsed, cpuUserMs: user / 1000, cpuSystemMs: system / 1000, uptimeMs: process.uptime() * 1000 } };
    }
    return { status: 404, body: { error: 'no such control' } };
  }

  return (req, res) => {
    route(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'internal error' } });
      else res.destroy();
    });
  };
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new TooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A `_search` form (http://hl7.org/fhir/R4/http.html#search): application/x-www-form-urlencoded only. */
async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    req.resume();
    throw new FhirProblem(415, 'not-supported', '_search takes an application/x-www-form-urlencoded body');
  }
  return new URLSearchParams(await bodyOf(req));
}

async function jsonOf(req: IncomingMessage): Promise<unknown> {
  try {
    return JSON.parse(await bodyOf(req));
  } catch {
    return undefined;
  }
}

function outcome(problem: FhirProblem) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: problem.code, diagnostics: problem.message }] };
}

function send(res: ServerResponse, answer: Answer, head = false): void {
  if (answer.body === undefined) {
    res.writeHead(answer.status).end();
    return;
  }
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  res.writeHead(answer.status, { 'content-type': answer.type ?? 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(head ? undefined : text);
}

/**
 * Whether a request is one a patient view sends: a FHIR search of a record type (not `metadata`,
 * not the roster's `Patient` search: the world's servers chain, so views never search Patient) or a
 * QIDO-RS study search for a PatientID (the roster's searches name none).
 */
export function isRecordSearch(api: string, rest: readonly string[], params: URLSearchParams): boolean {
  if (api === 'fhir') return rest[0] !== 'metadata' && rest[0] !== 'Patient';
  return params.has('PatientID');
}
