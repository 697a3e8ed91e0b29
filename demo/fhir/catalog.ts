/**
 * What the demo FHIR tenants hand out: real Canadian drug products (DINs from Health Canada's Drug
 * Product Database), ICD-10-CA / SNOMED CT coded problems with French labels, common allergies,
 * and the vaccines of Québec's programme. Small on purpose: enough variety for a demo.
 */

export interface DemoDrug {
  din: string;
  /** The label a Québec pharmacy prints: molecule, strength, (brand). */
  name: string;
  dosage: string;
  /** Units per day, to derive the quantity from the days supplied. */
  perDay: number;
  /** Days per fill: 30 or 90 for chronic drugs, the course for an antibiotic. */
  days: readonly number[];
  unit: { code: string; display: string };
  chronic: boolean;
}

const TAB = { code: 'TAB', display: 'comprimé' };
const CAP = { code: 'CAP', display: 'capsule' };
const INHAL = { code: 'INHL', display: 'inhalateur' };

export const DRUGS: readonly DemoDrug[] = [
  { din: '02230711', name: 'Atorvastatine 10 mg (Lipitor)', dosage: '1 comprimé par jour au coucher', perDay: 1, days: [30, 90], unit: TAB, chronic: true },
  { din: '02099233', name: 'Metformine 500 mg (Glucophage)', dosage: '1 comprimé 2 fois par jour aux repas', perDay: 2, days: [30, 90], unit: TAB, chronic: true },
  { din: '02380196', name: 'Metformine 500 mg (Jamp-Metformin)', dosage: '2 comprimés 2 fois par jour aux repas', perDay: 4, days: [30], unit: TAB, chronic: true },
  { din: '02284065', name: 'Amlodipine 5 mg (pms-Amlodipine)', dosage: '1 comprimé par jour le matin', perDay: 1, days: [30, 90], unit: TAB, chronic: true },
  { din: '02247162', name: 'Rosuvastatine 10 mg (Crestor)', dosage: '1 comprimé par jour au coucher', perDay: 1, days: [90], unit: TAB, chronic: true },
  { din: '02172100', name: 'Lévothyroxine 100 mcg (Synthroid)', dosage: '1 comprimé par jour à jeun, 30 minutes avant le déjeuner', perDay: 1, days: [90], unit: TAB, chronic: true },
  { din: '02303922', name: 'Sitagliptine 100 mg (Januvia)', dosage: '1 comprimé par jour', perDay: 1, days: [30], unit: TAB, chronic: true },
  { din: '02246624', name: 'Périndopril 8 mg (Coversyl)', dosage: '1 comprimé par jour le matin', perDay: 1, days: [30, 90], unit: TAB, chronic: true },
  { din: '02238682', name: 'Clopidogrel 75 mg (Plavix)', dosage: '1 comprimé par jour', perDay: 1, days: [30], unit: TAB, chronic: true },
  { din: '02246057', name: 'Citalopram 20 mg (Apo-Citalopram)', dosage: '1 comprimé par jour le matin', perDay: 1, days: [30], unit: TAB, chronic: true },
  { din: '02241497', name: 'Salbutamol 100 mcg/inhalation (Ventolin HFA)', dosage: '1 à 2 inhalations aux 4 à 6 heures au besoin', perDay: 1 / 30, days: [30], unit: INHAL, chronic: true },
  { din: '00628123', name: 'Amoxicilline 500 mg (Apo-Amoxi)', dosage: '1 capsule 3 fois par jour pendant 10 jours', perDay: 3, days: [10], unit: CAP, chronic: false },
];

export interface DemoProblem {
  icd10ca: string;
  snomed: string;
  display: string;
  /** Chronic problems stay active; the others resolve. */
  chronic: boolean;
}

export const PROBLEMS: readonly DemoProblem[] = [
  { icd10ca: 'E11.9', snomed: '44054006', display: 'Diabète de type 2', chronic: true },
  { icd10ca: 'I10', snomed: '59621000', display: 'Hypertension essentielle', chronic: true },
  { icd10ca: 'E78.0', snomed: '13644009', display: 'Hypercholestérolémie', chronic: true },
  { icd10ca: 'J45.9', snomed: '195967001', display: 'Asthme', chronic: true },
  { icd10ca: 'E03.9', snomed: '40930008', display: 'Hypothyroïdie', chronic: true },
  { icd10ca: 'F41.1', snomed: '21897009', display: 'Trouble d’anxiété généralisée', chronic: true },
  { icd10ca: 'K21.9', snomed: '235595009', display: 'Reflux gastro-œsophagien', chronic: true },
  { icd10ca: 'J18.9', snomed: '233604007', display: 'Pneumonie', chronic: false },
  { icd10ca: 'S93.4', snomed: '44465007', display: 'Entorse de la cheville', chronic: false },
];

export interface DemoAllergy {
  snomed: string;
  substance: string;
  category: 'medication' | 'food' | 'environment';
  criticality: 'low' | 'high';
  reaction: { snomed: string; display: string };
}

export const ALLERGIES: readonly DemoAllergy[] = [
  { snomed: '764146007', substance: 'Pénicilline', category: 'medication', criticality: 'high', reaction: { snomed: '126485001', display: 'Urticaire' } },
  { snomed: '762952008', substance: 'Arachides', category: 'food', criticality: 'high', reaction: { snomed: '39579001', display: 'Anaphylaxie' } },
  { snomed: '387406002', substance: 'Sulfamides', category: 'medication', criticality: 'low', reaction: { snomed: '271807003', display: 'Éruption cutanée' } },
  { snomed: '111088007', substance: 'Latex', category: 'environment', criticality: 'low', reaction: { snomed: '40275004', display: 'Dermatite de contact' } },
];

export interface DemoVaccine {
  /** CVX (http://hl7.org/fhir/sid/cvx), the code system most Canadian EMRs still export. */
  cvx: string;
  text: string;
  lotPrefix: string;
}

export const VACCINES = {
  influenza: { cvx: '150', text: 'Influenza quadrivalent (Flulaval Tetra)', lotPrefix: 'KT' },
  covid: { cvx: '207', text: 'COVID-19 ARNm Moderna (Spikevax)', lotPrefix: '30' },
  pneumococcal: { cvx: '33', text: 'Pneumocoque polysaccharidique 23-valent (Pneumovax 23)', lotPrefix: 'W0' },
} as const satisfies Record<string, DemoVaccine>;

/** Reasons for visit as the clinic's EMR records them: free text (Encounter.reasonCode.text). */
export const AMBULATORY_REASONS = ['Suivi du diabète', 'Contrôle de la tension artérielle', 'Examen médical périodique', 'Renouvellement d’ordonnance', 'Toux et fièvre'] as const;
export const EMERGENCY_REASONS = ['Douleur thoracique', 'Entorse de la cheville', 'Crise d’asthme'] as const;
