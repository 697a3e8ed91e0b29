// The provider's patient view (issue #11 §1): identity, a banner saying how the record is open,
// the state of each source asked, then one section per domain, newest first. A domain the role may
// not see comes back null with FORBIDDEN at its path: it is shown as not permitted, never as empty.
import { errorAt } from './api.js';
import { fill, h, table, uid } from './dom.js';
import { date, dateTime, t } from './i18n.js';
import { newestFirst, SECTIONS } from './records.js';

const NAM = /^[A-Z]{4}\d{8}$/;

export function mount(ctx) {
  const nam = ctx.params.nam.toUpperCase();
  let answer = null;
  const render = () => {
    ctx.title('patient.title');
    fill(ctx.main, h('h1', { tabindex: '-1' }, t('patient.title')), ...body());
  };
  const body = () => {
    if (!NAM.test(nam)) return [h('p', { class: 'banner banner-error', role: 'alert' }, t('search.bad'))];
    if (!answer) return [h('p', { 'aria-busy': 'true' }, t('app.loading'))];
    if (answer.failed) return [h('p', { class: 'banner banner-error', role: 'alert' }, t(answer.failed))];
    const refusal = errorAt(answer.errors, ['patient']);
    if (refusal?.extensions?.code === 'RECORD_REFUSED') return [banner('refused', t('banner.refused')), identity({ nam })];
    if (refusal?.extensions?.code === 'FORBIDDEN') return [h('p', { class: 'banner banner-error', role: 'alert' }, t('patient.forbidden'))];
    const patient = answer.data?.patient;
    if (!patient) return [h('p', { class: 'banner' }, t('patient.unknown'))];
    return [accessBanner(patient), identity(patient), contents(), sources(patient.sources ?? []), ...SECTIONS.map((section) => domain(section, patient, answer.errors))];
  };
  render();
  if (NAM.test(nam)) {
    ctx.graphql('PatientView', { nam }).then((result) => {
      if (!result) return;
      answer = result.retry ? { failed: 'app.retryLater' } : result;
      render();
    });
  }
  return { render };
}

/** The banner of a record open despite a refusal, from Patient.access (the consent decision), never guessed. */
function accessBanner(patient) {
  const access = patient.access;
  if (access?.basis === 'PARTIAL_REFUSAL') return banner('partial', t('banner.partial', { date: date(access.closedBefore).textContent }));
  if (access?.basis === 'CONSULTED_BEFORE_REFUSAL') return banner('prior', t('banner.prior'));
  return null;
}

function banner(kind, message) {
  return h('div', { class: `banner banner-${kind}`, role: 'note' }, h('span', { class: 'banner-icon', 'aria-hidden': 'true' }, '⚠'), h('strong', {}, message));
}

function identity(patient) {
  const id = uid('identity');
  const name = [patient.givenName, patient.familyName].filter(Boolean).join(' ');
  return h(
    'section',
    { 'aria-labelledby': id, class: 'identity' },
    h('h2', { id }, t('patient.identity')),
    h(
      'dl',
      {},
      name ? [h('dt', {}, t('patient.name')), h('dd', {}, name)] : null,
      h('dt', {}, t('patient.nam')),
      h('dd', { class: 'nam' }, patient.nam),
      patient.birthDate !== undefined ? [h('dt', {}, t('patient.birthDate')), h('dd', {}, date(patient.birthDate))] : null,
      patient.recordStatus ? [h('dt', {}, t('patient.recordStatus')), h('dd', {}, t(`status.${patient.recordStatus}`))] : null,
    ),
  );
}

/** Links to every section: the record is long. */
function contents() {
  return h('nav', { 'aria-label': t('patient.nav'), class: 'contents' }, h('ul', {}, [{ field: 'sources', title: 'sources.title' }, ...SECTIONS].map((s) => h('li', {}, h('a', { href: `#section-${s.field}` }, t(s.title))))));
}

function sources(list) {
  const asked = (s) => (s.asked ? t('sources.yes') : s.state === 'OK' ? t('sources.fromCache') : t('sources.no'));
  return h(
    'section',
    { 'aria-labelledby': 'section-sources', class: 'sources' },
    h('h2', { id: 'section-sources', tabindex: '-1' }, t('sources.title')),
    list.length === 0
      ? h('p', {}, t('sources.none'))
      : table({
          caption: t('sources.caption'),
          rowClass: (s) => (s.state === 'OK' ? undefined : 'unavailable'),
          rows: list,
          columns: [
            { label: t('sources.source'), cell: (s) => s.source.name, rowHeader: true },
            { label: t('sources.domain'), cell: (s) => t(`domain.${s.domain}`) },
            {
              label: t('sources.state'),
              cell: (s) => h('span', { class: `state state-${s.state}` }, h('span', { 'aria-hidden': 'true' }, s.state === 'OK' ? '✓ ' : '✗ '), t(`sources.${s.state}`), s.failure ? ` (${t(`sources.failure.${s.failure}`)})` : ''),
            },
            { label: t('sources.asked'), cell: asked },
            { label: t('sources.answeredAt'), cell: (s) => dateTime(s.answeredAt) },
            { label: t('sources.selectedBy'), cell: (s) => t(`sources.${s.selectedBy}`) },
            { label: t('sources.locatorReadAt'), cell: (s) => (s.locatorReadAt ? dateTime(s.locatorReadAt) : t('sources.push')) },
          ],
        }),
  );
}

function domain(section, patient, errors) {
  const id = `section-${section.field}`;
  const error = errorAt(errors, ['patient', section.field]);
  const code = error?.extensions?.code;
  const rows = patient[section.field];
  let content;
  if (code === 'FORBIDDEN') content = h('p', { class: 'not-permitted' }, h('span', { 'aria-hidden': 'true' }, '🔒 '), t('section.notPermitted'));
  else if (code === 'RECORD_REFUSED') content = h('p', { class: 'not-permitted' }, t('section.closed'));
  else {
    content = [
      error ? h('p', { class: 'notice' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), t('section.partial')) : null,
      !rows ? null : rows.length === 0 ? h('p', {}, t('section.empty')) : table({ caption: `${t(section.title)} — ${t('section.newestFirst')}`, columns: section.columns.map((c) => ({ ...c, label: t(c.label) })), rows: newestFirst(rows, section.dateOf), rowClass: section.rowClass }),
    ];
  }
  return h('section', { 'aria-labelledby': id, class: 'domain', 'data-domain': section.field }, h('h2', { id, tabindex: '-1' }, t(section.title)), content);
}
