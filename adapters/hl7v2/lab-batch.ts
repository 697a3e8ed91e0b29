import type { FiledPatient } from './filed-patients';
import type { OruMessage } from './oru';

/**
 * The pure part of writing several ORU^R01 messages in one transaction (adapters/hl7v2/lab-store.ts):
 * which copy of each message is offered to the database, which links and locations the stored ones
 * assert, and what each message's outcome is once the database has said which keys were new.
 */

/** One message waiting to be stored, as the receiver hands it over. */
export interface LabEntry {
  sourceId: string;
  message: OruMessage;
}

/** Any message kept by its idempotence key (lab results, pharmacy dispenses, patient events). */
export interface KeyedEntry {
  sourceId: string;
  message: { sender: string; controlId: string; contentHash: string };
}

/** `conflict`: the control id is stored already, for a message with another body. */
export type SaveOutcome = 'stored' | 'duplicate' | 'conflict';

/** The idempotence key (source, sender = MSH-3|MSH-4, MSH-10) as one string; JSON keeps it unambiguous whatever the parts hold. */
export const keyOf = (sourceId: string, sender: string, controlId: string) => JSON.stringify([sourceId, sender, controlId]);
const entryKey = ({ sourceId, message }: KeyedEntry) => keyOf(sourceId, message.sender, message.controlId);

/**
 * The first entry of each key, sorted by key. A batch may hold two copies of one message (a resend
 * on another connection): only the first is offered to the database, which could not tell them
 * apart inside one statement. Sorting makes concurrent batches (several listener processes) take
 * their row locks in the same order, so they wait for each other instead of deadlocking.
 */
export function firstOfEachKey<E extends KeyedEntry>(entries: readonly E[]): { key: string; index: number; entry: E }[] {
  const first = new Map<string, number>();
  entries.forEach((entry, index) => {
    const key = entryKey(entry);
    if (!first.has(key)) first.set(key, index);
  });
  return [...first].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, index]) => ({ key, index, entry: entries[index] }));
}

/**
 * Each entry's outcome, as if the batch had been stored one message after another in its order:
 * the first copy of a new key is `stored`; any other entry is a `duplicate` when its body is the
 * one kept under its key (inserted now, or earlier: `earlierHashes`), a `conflict` otherwise.
 */
export function outcomesOf(entries: readonly KeyedEntry[], inserted: ReadonlySet<string>, earlierHashes: ReadonlyMap<string, string>): SaveOutcome[] {
  const kept = new Map<string, string>();
  return entries.map((entry) => {
    const key = entryKey(entry);
    const hash = entry.message.contentHash;
    if (!kept.has(key)) {
      if (inserted.has(key)) {
        kept.set(key, hash);
        return 'stored';
      }
      kept.set(key, earlierHashes.get(key) ?? '');
    }
    return kept.get(key) === hash ? 'duplicate' : 'conflict';
  });
}

/** The people the entries file results under: one per PATIENT_RESULT group (./filed-patients.ts). */
export function labPatients(entries: readonly LabEntry[]): FiledPatient[] {
  return entries.flatMap(({ sourceId, message }) => message.patients.map(({ patient }) => ({ sourceId, ...patient })));
}
