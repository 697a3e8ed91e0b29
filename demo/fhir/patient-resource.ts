import type { Identifier, Patient } from '@medplum/fhirtypes';
import { DEFAULT_NAM_SYSTEM } from '../../lib/sources';
import type { DemoPerson } from '../people';

/** The NAM as a source files it: the official health card number (v2 identifier type JHN, table 0203) in the NAM system. */
export const namIdentifier = (nam: string): Identifier => ({
  use: 'official',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'JHN' }] },
  system: DEFAULT_NAM_SYSTEM,
  value: nam,
});

/**
 * The Patient (http://hl7.org/fhir/R4/patient.html) a source files a person under, with the
 * source's own id and identifiers: the person's name, sex, birth date and city (Trois-Rivières
 * for Mauricie, Montréal otherwise), as the demo sources and the bench's world write it.
 */
export function patientResource(person: DemoPerson, filed: { id: string; lastUpdated: string; identifier: Identifier[] }): Patient {
  return {
    resourceType: 'Patient',
    id: filed.id,
    meta: { versionId: '1', lastUpdated: filed.lastUpdated },
    identifier: filed.identifier,
    name: [{ use: 'official', family: person.familyName, given: [person.givenName] }],
    gender: person.sex === 'F' ? 'female' : 'male',
    birthDate: person.birthDate,
    address: [{ city: person.region === 'Mauricie' ? 'Trois-Rivières' : 'Montréal', state: 'QC', country: 'CA' }],
  };
}
