import { developmentToken } from '../bin/token';
import { Tally } from '../bench/load/result';
import { bearer, post } from './client';
import { RefusalJudge } from './refusal-judge';

/** What the consent activity saw. */
export interface ConsentReport {
  changes: number;
  changesFailed: number;
  reads: Tally;
  /** Reads of a record whose refusal was confirmed before the read began. */
  refusedReads: number;
  /** Of those, how many served the record: must be 0. */
  refusedServed: number;
}

const RECORD = 'query($nam: NAM!) { patient(nam: $nam) { nam recordStatus medications { id } encounters { id } } }';
const REFUSE = 'mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }';
const WITHDRAW = 'mutation($nam: NAM!) { withdrawRefusal(nam: $nam, channel: PHONE) { recordStatus } }';
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A consent clerk recording and withdrawing refusals on `people` (by phone) while `readers`
 * physicians keep reading them, each read as a provider who never consulted anyone before (a
 * prior consultation keeps access, README "Consent"), until `running()` says stop.
 */
export const newConsentReport = (): ConsentReport => ({ changes: 0, changesFailed: 0, reads: new Tally(), refusedReads: 0, refusedServed: 0 });

/** Fills `report` as it goes (the soak prints it while it runs). */
export async function consentActivity(report: ConsentReport, options: { url: string; jwtSecret: string; people: string[]; readers: number; running(): boolean; random(): number }): Promise<ConsentReport> {
  const judge = new RefusalJudge();
  const pick = () => options.people[Math.floor(options.random() * options.people.length)];
  const clerkToken = await developmentToken({ sub: 'CLERK-SOAK', role: 'consent_clerk' }, options.jwtSecret, '12h');

  const clerk = async () => {
    while (options.running()) {
      const nam = pick();
      const refuse = judge.snapshot(nam).state !== 'refused';
      judge.changing(nam);
      const answer = await post(options.url, JSON.stringify({ query: refuse ? REFUSE : WITHDRAW, variables: { nam } }), bearer(clerkToken));
      const status = answer.body?.data?.[refuse ? 'recordRefusal' : 'withdrawRefusal']?.recordStatus;
      if (status === 'REFUSED' || status === 'ACTIVE') judge.confirmed(nam, status === 'REFUSED' ? 'refused' : 'open');
      else judge.failed(nam);
      report.changes++;
      if (!status) report.changesFailed++;
      await pause(300 + options.random() * 700);
    }
  };

  let reader = 0;
  const read = async () => {
    while (options.running()) {
      const nam = pick();
      const atStart = judge.snapshot(nam);
      const token = await developmentToken({ sub: `MD-SOAK-${++reader}`, role: 'physician', facility: 'soak' }, options.jwtSecret, '10m');
      const answer = await post(options.url, JSON.stringify({ query: RECORD, variables: { nam } }), bearer(token));
      report.reads.record(answer.ms, answer.outcome);
      const verdict = judge.judge(nam, atStart, answer.body?.data?.patient != null);
      if (verdict !== 'not-judged') report.refusedReads++;
      if (verdict === 'violation') report.refusedServed++;
      await pause(20);
    }
  };

  await Promise.all([clerk(), ...Array.from({ length: options.readers }, read)]);
  return report;
}
