import { queryTooComplex } from '../lib/errors';
import { recordReads, type OperationView } from './operation-view';

/**
 * How many people a request asks for: every NAM of every `patient` and `patients` field, aliases,
 * fragments and variables resolved (the record reads the access log and consent rules use). A NAM
 * asked twice counts twice: each field is its own work.
 */
export function peopleAsked(view: OperationView): number {
  return recordReads(view).reduce((total, read) => total + read.nams.length, 0);
}

/**
 * The people cap holds for the whole request, not per field: five aliases of `patients(nams:)`
 * must not read five times the cap. Refused before anything runs; the message names the cap,
 * never the NAMs.
 */
export function capPeople(view: OperationView, maxPeople: number): void {
  if (peopleAsked(view) > maxPeople) {
    throw queryTooComplex(`A request may ask for at most ${maxPeople} people, all patient and patients fields together; split it.`);
  }
}
