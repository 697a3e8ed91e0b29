import { DateTime } from 'luxon';
import { isOnOrAfter } from '../../lib/time';
import { DATE_OF, type RecordKind, type RecordsByKind } from '../../schema/records';
import { SourceError, type PatientRef, type RecordSource } from '../port';
import { idOf, kindsNarrowedBySince, recordProblems } from './contract';
import type { CapturedLog } from './log-capture';
import { countPersonalWords } from './personal-words';
import type { ConformanceProfile } from './profiles';
import type { RequestCounter } from './request-count';
import type { ConformanceSubject, FailureCase } from './subject';

type AnyRecord = RecordsByKind[RecordKind];
/** One answer of every record source of the adapter: per kind, per NAM. */
type Answer = Map<RecordKind, Map<string, AnyRecord[]>>;

/** A check that does not apply here (too few people, nothing dated, no roster): said why, not failed. */
export class Skip extends Error {}
/** A check that failed, in words safe to print: counts, kinds and field paths, never a value. */
export class Failed extends Error {}

/** What the checks share while they run against one subject. */
export interface CheckContext {
  subject: ConformanceSubject;
  profile: ConformanceProfile;
  log: CapturedLog;
  words: string[];
  counter?: RequestCounter;
  sources: RecordSource[];
  /** Filled by the first check: everyone asked together, and what it cost. */
  batch?: { answer: Answer; requests: number };
  /** Filled by the consistency check: each person asked alone, and what that cost in all. */
  singles?: { requests: number };
}

export interface Check {
  name: string;
  /** Returns what was seen, in a few words; throws Failed or Skip. */
  run(context: CheckContext): Promise<string>;
}

/** How long a check waits for a source at most: the source's own timeout, as the subgraphs give it. */
const waitFor = (context: CheckContext) => context.subject.source.timeoutMs ?? 30_000;
/** How long a source may take to stop once its query is aborted before the check says it does not. */
const STOP_WITHIN_MS = 15_000;

async function ask(context: CheckContext, sources: RecordSource[], patients: readonly PatientRef[], since?: string): Promise<{ answer: Answer; requests: number }> {
  const run = async () => {
    const answer: Answer = new Map();
    for (const source of sources) {
      answer.set(source.kind, await source.fetch({ patients, since, signal: AbortSignal.timeout(waitFor(context)) }));
    }
    return answer;
  };
  const id = context.subject.source.id;
  const counted = context.counter ? await context.counter.during(id, run) : { result: await run(), requests: Number.NaN };
  return { answer: counted.result, requests: counted.requests };
}

/** A SourceError's message must hold none of these: what the source said, or who was asked. */
function checkSafeError(error: unknown, forbidden: string[], where: string): SourceError {
  if (!(error instanceof SourceError)) throw new Failed(`${where} threw ${(error as Error)?.name ?? typeof error} rather than a SourceError`);
  if (countPersonalWords(`${error.message} ${error.stack ?? ''}`, forbidden) > 0) throw new Failed(`${where}: the SourceError quotes the source's answer or a person asked`);
  return error;
}

/** The person a NAM is in the subject's list, for messages: "person 2", never the NAM. */
const personOf = (context: CheckContext, nam: string) => `person ${context.subject.people.findIndex((p) => p.nam === nam) + 1}`;

const countRecords = (answer: Answer) => [...answer.values()].reduce((sum, byNam) => sum + [...byNam.values()].reduce((n, list) => n + list.length, 0), 0);

const answersABatch: Check = {
  name: 'answers a batch of people, and only about the people asked',
  async run(context) {
    const asked = new Set(context.subject.people.map((p) => p.nam));
    let batch: CheckContext['batch'];
    try {
      batch = await ask(context, context.sources, context.subject.people);
    } catch (error) {
      const failure = checkSafeError(error, context.words, 'the batch');
      throw new Failed(`the source failed the batch: ${failure.failure}`);
    }
    for (const [kind, byNam] of batch.answer) {
      const strangers = [...byNam.keys()].filter((nam) => !asked.has(nam)).length;
      if (strangers) throw new Failed(`${kind}: ${strangers} NAM(s) answered that were not asked`);
    }
    const records = countRecords(batch.answer);
    if (records === 0) throw new Failed('no record for anyone asked: ask people the source holds records for');
    context.batch = batch;
    const people = new Set([...batch.answer.values()].flatMap((byNam) => [...byNam.keys()])).size;
    return `${context.subject.people.length} asked, ${records} records for ${people} of them over ${batch.answer.size} kind(s)${Number.isNaN(batch.requests) ? '' : `, ${batch.requests} request(s)`}`;
  },
};

const fitsTheContract: Check = {
  name: 'every record has what the contract requires (ids, required fields, DateTime with offset, 32-bit Int)',
  async run(context) {
    const answer = needBatch(context).answer;
    const problems = new Map<string, number>();
    let records = 0;
    for (const [kind, byNam] of answer) {
      const ids = new Set<string>();
      for (const record of [...byNam.values()].flat()) {
        records++;
        for (const problem of recordProblems(kind, record, context.subject.source)) problems.set(problem, (problems.get(problem) ?? 0) + 1);
        const id = idOf(kind, record);
        if (id !== undefined && ids.has(id)) problems.set(`${kind}: an id is given to two records`, (problems.get(`${kind}: an id is given to two records`) ?? 0) + 1);
        if (id !== undefined) ids.add(id);
      }
    }
    if (problems.size) throw new Failed([...problems].slice(0, 8).map(([problem, n]) => `${problem} (${n}×)`).join('; '));
    return `${records} records checked`;
  },
};

/** A person's records of one kind, comparable: sorted by id, as JSON. */
const comparable = (kind: RecordKind, records: AnyRecord[] | undefined) =>
  JSON.stringify([...(records ?? [])].sort((a, b) => (idOf(kind, a) ?? '').localeCompare(idOf(kind, b) ?? '')));

const sameTogetherAsAlone: Check = {
  name: 'each person gets the same records asked with others as asked alone',
  async run(context) {
    const batch = needBatch(context);
    let requests = 0;
    for (const person of context.subject.people) {
      const alone = await ask(context, context.sources, [person]);
      requests += alone.requests;
      for (const [kind, byNam] of alone.answer) {
        if ([...byNam.keys()].some((nam) => nam !== person.nam)) throw new Failed(`${kind}: asked alone, ${personOf(context, person.nam)} got records filed under another NAM`);
        if (comparable(kind, byNam.get(person.nam)) !== comparable(kind, batch.answer.get(kind)?.get(person.nam))) {
          throw new Failed(`${kind}: ${personOf(context, person.nam)} gets other records asked alone than in the batch`);
        }
      }
    }
    context.singles = { requests };
    return `${context.subject.people.length} people asked one by one`;
  },
};

const batchCost: Check = {
  name: 'a batch costs what the protocol allows (one search, not one per person, where it can name many people)',
  async run(context) {
    const batch = needBatch(context);
    const { batching } = context.profile;
    if (Number.isNaN(batch.requests)) throw new Skip('requests are not counted here (another tracer provider is registered)');
    if (batching === 'none') {
      if (batch.requests !== 0) throw new Failed(`a push source was asked ${batch.requests} time(s) at read time: its records are read from our store`);
      return 'no request to the source at read time';
    }
    if (!context.singles) throw new Skip('needs the one-by-one check to have run');
    const people = context.subject.people.length;
    if (batching === 'per-person') {
      if (batch.requests > context.singles.requests) throw new Failed(`${batch.requests} requests together, more than the ${context.singles.requests} of asking each person alone`);
      return `${batch.requests} requests for ${people} people (at most one search per person: the protocol cannot name several)`;
    }
    if (people < 2) throw new Skip('needs two people or more');
    // Asked again, as the one-by-one asks were: what an adapter learns once about a source (a FHIR
    // server's CapabilityStatement, the ids a two-step search found) is not a cost of every batch.
    const again = await ask(context, context.sources, context.subject.people);
    if (again.requests >= context.singles.requests) {
      throw new Failed(`${again.requests} requests for ${people} people together, ${context.singles.requests} asking them one by one: the batch is not one search`);
    }
    return `${again.requests} requests for ${people} people together, ${context.singles.requests} one by one`;
  },
};

/** The calendar day of a record's date in the source's zone. */
const dayOf = (iso: string, timeZone: string) => {
  const parsed = DateTime.fromISO(iso, { setZone: true });
  return parsed.isValid ? (parsed.setZone(timeZone).toISODate() ?? undefined) : undefined;
};

const sinceNarrows: Check = {
  name: '`since` leaves out older records and keeps every recent one',
  async run(context) {
    const batch = needBatch(context);
    const { timeZone } = context.subject.source;
    const narrowed = kindsNarrowedBySince().filter((kind) => batch.answer.has(kind));
    if (!narrowed.length) throw new Skip('this source serves no kind of record the contract narrows by `since`');
    const days = narrowed
      .flatMap((kind) => [...batch.answer.get(kind)!.values()].flat().map((record) => (DATE_OF[kind] as (r: AnyRecord) => string | undefined)(record)))
      .flatMap((date) => (date ? [dayOf(date, timeZone)] : []))
      .filter((day): day is string => day !== undefined)
      .sort();
    const since = days[Math.floor(days.length / 2)];
    if (!since || days[0] === since) throw new Skip('needs records dated on two days or more');
    const recent = await ask(context, context.sources.filter((s) => narrowed.includes(s.kind)), context.subject.people, since);
    let left = 0;
    for (const kind of narrowed) {
      const dateOf = DATE_OF[kind] as (r: AnyRecord) => string | undefined;
      for (const [nam, records] of batch.answer.get(kind)!) {
        const expected = records.filter((record) => isOnOrAfter(dateOf(record), since, timeZone));
        left += records.length - expected.length;
        if (comparable(kind, recent.answer.get(kind)?.get(nam)) !== comparable(kind, expected.length ? expected : undefined)) {
          throw new Failed(`${kind}: with since, ${personOf(context, nam)} does not get exactly their records dated on or after that day`);
        }
      }
      const unasked = [...(recent.answer.get(kind)?.keys() ?? [])].filter((nam) => !batch.answer.get(kind)!.has(nam)).length;
      if (unasked) throw new Failed(`${kind}: with since, ${unasked} person(s) get records they had none of without it`);
    }
    return `since the middle day of the records, ${left} older record(s) left out`;
  },
};

/** Settles `work`, or says the source did not stop within STOP_WITHIN_MS. */
async function settled<T>(work: Promise<T>, what: string): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Failed(what)), STOP_WITHIN_MS)));
  try {
    return await Promise.race([work.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

const abortedBeforeStart: Check = {
  name: 'a query whose time is already up fails at once as a timeout',
  async run(context) {
    const controller = new AbortController();
    controller.abort();
    for (const source of context.sources) {
      const outcome = await settled(source.fetch({ patients: context.subject.people, signal: controller.signal }), `${source.kind}: an aborted query did not stop`);
      if (outcome.ok) throw new Failed(`${source.kind}: an aborted query was answered as if there were time left`);
      const error = checkSafeError(outcome.error, context.words, source.kind);
      if (error.failure !== 'timeout') throw new Failed(`${source.kind}: an aborted query failed as ${error.failure}, not timeout`);
    }
    return `${context.sources.length} record source(s) stopped`;
  },
};

/** One check per broken copy of the source the subject offers. */
function failureCheck(failure: FailureCase): Check {
  return {
    name: `when the source ${failure.name}, the adapter fails as ${failure.expected}, quoting nothing it said`,
    async run(context) {
      const broken = await failure.start(context.log.logger);
      try {
        const forbidden = [...context.words, ...failure.bait];
        for (const source of broken.recordSources) {
          const controller = new AbortController();
          const work = source.fetch({ patients: context.subject.people, signal: AbortSignal.any([controller.signal, AbortSignal.timeout(waitFor(context))]) });
          if (broken.abortAfterRequest && broken.onRequest) void broken.onRequest.then(() => controller.abort());
          const outcome = await settled(work, `${source.kind}: the adapter did not stop when its query was aborted`);
          if (outcome.ok) throw new Failed(`${source.kind}: answered as if nothing were wrong`);
          const error = checkSafeError(outcome.error, forbidden, source.kind);
          if (error.failure !== failure.expected) throw new Failed(`${source.kind}: failed as ${error.failure}, not ${failure.expected}`);
        }
        if (context.log.lines.some((line) => countPersonalWords(line, failure.bait) > 0)) throw new Failed("a log line quotes what the broken source said");
        return `${broken.recordSources.length} record source(s) failed as ${failure.expected}`;
      } finally {
        await broken.close();
      }
    },
  };
}

const rosterNamesPeople: Check = {
  name: "the roster names each person by NAM or by the source's own id",
  async run(context) {
    const roster = context.subject.roster?.(context.subject.source, context.log.logger);
    if (!roster) throw new Skip('this source has no roster (a push source, or rosterIntervalMs 0)');
    const live = context.subject.mode === 'live';
    const controller = new AbortController();
    let people = 0;
    let pages = 0;
    let unnamed = 0;
    const read = roster.read({
      signal: controller.signal,
      requestTimeoutMs: waitFor(context),
      onPage: async (entries) => {
        pages++;
        people += entries.length;
        unnamed += entries.filter((entry) => !entry.nam && !entry.localId).length;
        // A live roster may be the whole region's population: one page says what the check needs.
        if (live) controller.abort();
      },
    });
    const outcome = await settled(read, 'the roster read did not stop when aborted');
    if (!outcome.ok) {
      const error = checkSafeError(outcome.error, context.words, 'the roster');
      if (!(live && pages > 0 && error.failure === 'timeout')) throw new Failed(`the roster read failed as ${error.failure}`);
    } else if (typeof outcome.value.cursor !== 'string' || outcome.value.cursor === '') throw new Failed('the roster read gave no cursor for the next read');
    if (unnamed) throw new Failed(`${unnamed} roster entries name nobody`);
    if (people === 0) throw new Failed('the roster is empty');
    return live ? `first page: ${people} people` : `${people} people over ${pages} page(s)`;
  },
};

const nothingPersonalLogged: Check = {
  name: "no log line the adapter wrote names a person asked (NAM, local id, name)",
  async run(context) {
    const naming = context.log.lines.filter((line) => countPersonalWords(line, context.words) > 0).length;
    if (naming) throw new Failed(`${naming} of ${context.log.lines.length} log line(s) name a person asked`);
    return `${context.log.lines.length} log line(s), none naming anyone`;
  },
};

function needBatch(context: CheckContext): NonNullable<CheckContext['batch']> {
  if (!context.batch) throw new Skip('needs the batch check to pass first');
  return context.batch;
}

/** Every check, in the order they run (the last reads the log all the others wrote). */
export function checksFor(subject: ConformanceSubject): Check[] {
  return [
    answersABatch,
    fitsTheContract,
    sameTogetherAsAlone,
    batchCost,
    sinceNarrows,
    abortedBeforeStart,
    ...(subject.failures ?? []).map(failureCheck),
    rosterNamesPeople,
    nothingPersonalLogged,
  ];
}
