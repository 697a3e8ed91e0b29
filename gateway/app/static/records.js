// The record's domain sections of the provider's patient view: what each shows, newest first.
import { h } from './dom.js';
import { date, dateTime, has, number, t } from './i18n.js';

const time = (value) => {
  const parsed = value ? Date.parse(value) : NaN;
  return Number.isNaN(parsed) ? -Infinity : parsed;
};

/** Newest first; what has no date goes last (it cannot be placed). */
export const newestFirst = (rows, dateOf) => [...rows].sort((a, b) => time(dateOf(b)) - time(dateOf(a)));

const text = (value) => (value === null || value === undefined || value === '' ? '—' : String(value));

/** Flags of results outside their range are marked by a word, a symbol and weight, not by colour alone (WCAG 1.4.1). */
export function flagOf(flag) {
  if (!flag) return null;
  const code = flag.toUpperCase();
  if (code === 'N') return { abnormal: false, critical: false, symbol: '', word: t('flag.N') };
  const critical = code === 'HH' || code === 'LL' || code === 'AA';
  const symbol = code.startsWith('H') ? '▲' : code.startsWith('L') ? '▼' : '!';
  return { abnormal: true, critical, symbol, word: has(`flag.${code}`) ? t(`flag.${code}`) : t('flag.other', { flag }) };
}

function flagCell(row) {
  const flag = flagOf(row.abnormalFlag);
  if (!flag) return '—';
  if (!flag.abnormal) return flag.word;
  return h('strong', { class: flag.critical ? 'flag flag-critical' : 'flag' }, h('span', { 'aria-hidden': 'true' }, `${flag.symbol} `), flag.word, ` (${row.abnormalFlag})`);
}

const labStatus = (status) => (status && has(`labStatus.${status}`) ? t(`labStatus.${status}`) : text(status));

/** One entry per domain field of Patient, in the order the view shows them. */
export const SECTIONS = [
  {
    field: 'medications',
    title: 'medications.title',
    dateOf: (row) => row.dispensedAt,
    columns: [
      { label: 'medications.dispensedAt', cell: (row) => dateTime(row.dispensedAt), rowHeader: true },
      { label: 'medications.name', cell: (row) => row.name },
      { label: 'medications.din', cell: (row) => text(row.din) },
      { label: 'medications.dosage', cell: (row) => text(row.dosageInstruction) },
      { label: 'medications.quantity', cell: (row) => number(row.quantity) },
      { label: 'medications.daysSupply', cell: (row) => number(row.daysSupply) },
      { label: 'medications.pharmacy', cell: (row) => text(row.pharmacy?.name) },
    ],
  },
  {
    field: 'labResults',
    title: 'labs.title',
    dateOf: (row) => row.observedAt,
    rowClass: (row) => (flagOf(row.abnormalFlag)?.abnormal ? 'abnormal' : undefined),
    columns: [
      { label: 'labs.observedAt', cell: (row) => dateTime(row.observedAt), rowHeader: true },
      { label: 'labs.test', cell: (row) => h('span', {}, text(row.display ?? row.code), h('span', { class: 'code' }, ` LOINC ${row.code}`)) },
      { label: 'labs.value', cell: (row) => `${text(row.value)}${row.unit ? ` ${row.unit}` : ''}` },
      { label: 'labs.range', cell: (row) => text(row.referenceRange) },
      { label: 'labs.flag', cell: flagCell },
      { label: 'labs.status', cell: (row) => labStatus(row.status) },
      { label: 'labs.laboratory', cell: (row) => text(row.laboratory?.name) },
    ],
  },
  {
    field: 'imagingStudies',
    title: 'imaging.title',
    dateOf: (row) => row.startedAt,
    columns: [
      { label: 'imaging.startedAt', cell: (row) => dateTime(row.startedAt), rowHeader: true },
      { label: 'imaging.modalities', cell: (row) => row.modalities.join(', ') || '—' },
      { label: 'imaging.description', cell: (row) => text(row.description) },
      { label: 'imaging.accession', cell: (row) => text(row.accessionNumber) },
      { label: 'imaging.series', cell: (row) => `${number(row.seriesCount)} / ${number(row.instanceCount)}` },
      { label: 'imaging.facility', cell: (row) => text(row.facility?.name) },
    ],
  },
  {
    field: 'encounters',
    title: 'encounters.title',
    dateOf: (row) => row.start,
    columns: [
      { label: 'encounters.start', cell: (row) => dateTime(row.start), rowHeader: true },
      { label: 'encounters.end', cell: (row) => dateTime(row.end) },
      { label: 'encounters.class', cell: (row) => text(row.class) },
      { label: 'encounters.reason', cell: (row) => text(row.reason) },
      { label: 'encounters.facility', cell: (row) => text(row.facility?.name) },
    ],
  },
  {
    field: 'conditions',
    title: 'conditions.title',
    dateOf: (row) => row.onset,
    columns: [
      { label: 'conditions.onset', cell: (row) => date(row.onset), rowHeader: true },
      { label: 'conditions.display', cell: (row) => row.display },
      { label: 'conditions.code', cell: (row) => text(row.code) },
      { label: 'conditions.clinicalStatus', cell: (row) => text(row.clinicalStatus) },
    ],
  },
  {
    field: 'allergies',
    title: 'allergies.title',
    dateOf: (row) => row.recordedAt,
    columns: [
      { label: 'allergies.recordedAt', cell: (row) => dateTime(row.recordedAt), rowHeader: true },
      { label: 'allergies.substance', cell: (row) => row.substance },
      { label: 'allergies.criticality', cell: (row) => text(row.criticality) },
      { label: 'allergies.reaction', cell: (row) => text(row.reaction) },
    ],
  },
  {
    field: 'immunizations',
    title: 'immunizations.title',
    dateOf: (row) => row.occurredAt,
    columns: [
      { label: 'immunizations.occurredAt', cell: (row) => dateTime(row.occurredAt), rowHeader: true },
      { label: 'immunizations.vaccine', cell: (row) => row.vaccine },
      { label: 'immunizations.lot', cell: (row) => text(row.lotNumber) },
    ],
  },
];
