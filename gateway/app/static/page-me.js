// The person's own page (issue #11 §2): their record's status, refusing online (the whole record
// or what was recorded before a date), withdrawing the refusal, and who consulted their record.
import { errorAt } from './api.js';
import { field, fill, h, radios, table, uid } from './dom.js';
import { date, dateTime, roleName, t } from './i18n.js';
import { newestFirst } from './records.js';
import { registerTable } from './page-clerk.js';

export function mount(ctx) {
  const nam = ctx.who().sub;
  let answer = null;
  let message = null;

  const load = async () => {
    const result = await ctx.graphql('MyRecord', { nam });
    if (!result) return;
    answer = result.retry ? { failed: 'app.retryLater' } : result;
    render();
  };

  const change = async (operation, variables, done) => {
    const result = await ctx.graphql(operation, { nam, channel: 'ONLINE', ...variables });
    if (!result) return;
    const code = result.errors[0]?.extensions?.code;
    message = result.errors.length > 0 ? { kind: 'error', text: t(result.retry ? 'app.retryLater' : `error.${code}`) } : { kind: 'done', text: t(done) };
    ctx.announce(message.text);
    await load();
    ctx.main.querySelector('#me-status')?.focus();
  };

  const render = () => {
    ctx.title('me.title');
    if (ctx.who().role !== 'person') return void fill(ctx.main, h('h1', { tabindex: '-1' }, t('me.title')), h('p', { class: 'banner' }, t('me.notPerson')));
    fill(ctx.main, h('h1', { tabindex: '-1' }, t('me.title')), ...body());
  };

  const body = () => {
    if (!answer) return [h('p', { 'aria-busy': 'true' }, t('app.loading'))];
    if (answer.failed) return [h('p', { class: 'banner banner-error', role: 'alert' }, t(answer.failed))];
    const register = answer.data?.consentRegister;
    const log = answer.data?.accessLog;
    return [
      message ? h('p', { class: `banner banner-${message.kind}`, role: message.kind === 'error' ? 'alert' : 'status' }, message.text) : null,
      register ? status(register) : failed(answer.errors, 'consentRegister'),
      register && !(register.recordStatus === 'REFUSED' && !register.collectedBefore) ? refuseForm((collectedBefore) => change('RecordRefusal', { collectedBefore }, 'me.refused')) : null,
      register?.recordStatus === 'REFUSED' ? withdrawForm(() => change('WithdrawRefusal', {}, 'me.withdrawn')) : null,
      register ? section('me-history', t('me.history'), registerTable(register.changes)) : null,
      log ? section('me-log', t('me.log'), accessLogTable(log)) : failed(answer.errors, 'accessLog'),
    ];
  };

  render();
  void load();
  return { render };
}

function failed(errors, field) {
  const code = errorAt(errors, [field])?.extensions?.code;
  return h('p', { class: 'banner banner-error', role: 'alert' }, t(code ? `error.${code}` : 'app.error'));
}

function section(id, title, ...content) {
  return h('section', { 'aria-labelledby': id }, h('h2', { id, tabindex: '-1' }, title), ...content);
}

function status(register) {
  const since = register.effectiveAt ? dateTime(register.effectiveAt).textContent : '';
  const text =
    register.recordStatus === 'ACTIVE'
      ? t('me.statusActive')
      : register.collectedBefore
        ? t('me.statusPartial', { before: date(register.collectedBefore).textContent, date: since })
        : t('me.statusRefused', { date: since });
  return section('me-status', t('me.status'), h('p', { class: `status status-${register.recordStatus}` }, h('strong', {}, t(`status.${register.recordStatus}`)), ' — ', text));
}

function refuseForm(submit) {
  const scope = radios({ legend: t('me.scope'), name: 'scope', checked: 'all', options: [{ value: 'all', label: t('me.scopeAll') }, { value: 'before', label: t('me.scopeBefore') }] });
  const before = field({ label: t('me.before'), name: 'before', type: 'date', help: t('me.beforeHelp') });
  before.element.hidden = true;
  for (const input of scope.inputs) input.addEventListener('change', () => (before.element.hidden = scope.value() !== 'before'));
  const id = uid('refuse');
  return h(
    'section',
    { 'aria-labelledby': id },
    h('h2', { id }, t('me.refuse')),
    h('p', {}, t('me.refuseIntro')),
    h(
      'form',
      {
        class: 'card',
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (scope.value() === 'before' && !before.input.value) return before.showError(t('me.beforeMissing'));
          before.clearError();
          void submit(scope.value() === 'before' ? before.input.value : null);
        },
      },
      scope.element,
      before.element,
      h('button', { type: 'submit' }, t('me.submitRefusal')),
    ),
  );
}

function withdrawForm(submit) {
  const id = uid('withdraw');
  return h(
    'section',
    { 'aria-labelledby': id },
    h('h2', { id }, t('me.withdraw')),
    h('p', {}, t('me.withdrawIntro')),
    h('form', { class: 'card', onsubmit: (event) => (event.preventDefault(), void submit()) }, h('button', { type: 'submit' }, t('me.submitWithdraw'))),
  );
}

/** Who consulted the record: when, what, role, facility, provider, domains, granted or denied; newest first. */
export function accessLogTable(entries) {
  if (entries.length === 0) return h('p', {}, t('me.logEmpty'));
  return table({
    caption: t('log.caption'),
    rows: newestFirst(entries, (entry) => entry.at),
    rowClass: (entry) => (entry.outcome === 'DENIED' ? 'denied' : undefined),
    columns: [
      { label: t('log.at'), cell: (entry) => dateTime(entry.at), rowHeader: true },
      { label: t('log.kind'), cell: (entry) => t(`kind.${entry.kind}`) },
      { label: t('log.role'), cell: (entry) => roleName(entry.role) },
      { label: t('log.facility'), cell: (entry) => entry.facility ?? '—' },
      { label: t('log.provider'), cell: (entry) => entry.providerId },
      { label: t('log.domains'), cell: (entry) => entry.domains.map((d) => t(`domain.${d}`)).join(', ') || '—' },
      { label: t('log.outcome'), cell: (entry) => h('span', { class: `outcome outcome-${entry.outcome}` }, h('span', { 'aria-hidden': 'true' }, entry.outcome === 'GRANTED' ? '✓ ' : '✗ '), t(`outcome.${entry.outcome}`)) },
    ],
  });
}
