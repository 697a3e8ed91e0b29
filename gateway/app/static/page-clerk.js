// The consent clerk's desk (issue #11 §3): look up a NAM's entry in the refusal register, record a
// refusal (whole or before a date) or its withdrawal received by mail or phone, and see the history.
// The NAM stays in the page's memory: the desk's address never holds it.
import { errorAt } from './api.js';
import { field, fill, h, radios, table, uid } from './dom.js';
import { date, dateTime, roleName, t } from './i18n.js';

const NAM = /^[A-Z]{4}\d{8}$/;

export function mount(ctx) {
  let nam = null;
  let answer = null;
  let message = null;

  const load = async () => {
    const result = await ctx.graphql('ConsentRegister', { nam });
    if (!result) return;
    answer = result.retry ? { failed: 'app.retryLater' } : result;
    render();
  };

  const record = async (operation, variables) => {
    const result = await ctx.graphql(operation, { nam, ...variables });
    if (!result) return;
    const code = result.errors[0]?.extensions?.code;
    message = result.errors.length > 0 ? { kind: 'error', text: t(result.retry ? 'app.retryLater' : `error.${code}`) } : { kind: 'done', text: t('clerk.done') };
    ctx.announce(message.text);
    await load();
    ctx.main.querySelector('#clerk-current')?.focus();
  };

  const render = () => {
    ctx.title('clerk.title');
    const role = ctx.who().role;
    if (role !== 'consent_clerk' && role !== 'privacy_officer') return void fill(ctx.main, h('h1', { tabindex: '-1' }, t('clerk.title')), h('p', { class: 'banner' }, t('clerk.notClerk')));
    fill(ctx.main, h('h1', { tabindex: '-1' }, t('clerk.title')), h('p', {}, t('clerk.intro')), lookup(), ...body(role));
  };

  const lookup = () => {
    const input = field({ label: t('clerk.nam'), name: 'nam', help: t('search.namHelp'), required: true, value: nam ?? undefined, spellcheck: false });
    const id = uid('lookup');
    return h(
      'section',
      { 'aria-labelledby': id },
      h('h2', { id }, t('clerk.lookup')),
      h(
        'form',
        {
          class: 'card',
          novalidate: true,
          onsubmit: (event) => {
            event.preventDefault();
            const value = input.input.value.replace(/\s+/g, '').toUpperCase();
            if (!NAM.test(value)) return input.showError(t('search.bad'));
            nam = value;
            answer = null;
            message = null;
            render();
            void load();
          },
        },
        input.element,
        h('button', { type: 'submit' }, t('clerk.lookupSubmit')),
      ),
    );
  };

  const body = (role) => {
    if (!nam) return [];
    if (!answer) return [h('p', { 'aria-busy': 'true' }, t('app.loading'))];
    if (answer.failed) return [h('p', { class: 'banner banner-error', role: 'alert' }, t(answer.failed))];
    const register = answer.data?.consentRegister;
    if (!register) return [h('p', { class: 'banner banner-error', role: 'alert' }, t(`error.${errorAt(answer.errors, ['consentRegister'])?.extensions?.code ?? 'FORBIDDEN'}`))];
    return [
      message ? h('p', { class: `banner banner-${message.kind}`, role: message.kind === 'error' ? 'alert' : 'status' }, message.text) : null,
      h(
        'section',
        { 'aria-labelledby': 'clerk-current' },
        h('h2', { id: 'clerk-current', tabindex: '-1' }, t('clerk.current')),
        h('p', { class: `status status-${register.recordStatus}` }, h('strong', {}, t(`status.${register.recordStatus}`)), register.collectedBefore ? [' — ', t('scope.before', { date: date(register.collectedBefore).textContent })] : null, register.effectiveAt ? [' — ', t('register.effectiveAt'), ' ', dateTime(register.effectiveAt)] : null),
      ),
      role === 'consent_clerk' ? changeForm(record) : null,
      h('section', { 'aria-labelledby': 'clerk-history' }, h('h2', { id: 'clerk-history', tabindex: '-1' }, t('clerk.history')), registerTable(register.changes)),
    ];
  };

  render();
  return { render };
}

function changeForm(record) {
  const action = radios({ legend: t('clerk.action'), name: 'action', checked: 'REFUSE', options: [{ value: 'REFUSE', label: t('clerk.actionRefuse') }, { value: 'WITHDRAW', label: t('clerk.actionWithdraw') }] });
  const channel = radios({ legend: t('clerk.channel'), name: 'channel', checked: 'MAIL', options: [{ value: 'MAIL', label: t('channel.MAIL') }, { value: 'PHONE', label: t('channel.PHONE') }] });
  const before = field({ label: t('clerk.before'), name: 'before', type: 'date', help: t('clerk.beforeHelp') });
  for (const input of action.inputs) input.addEventListener('change', () => (before.element.hidden = action.value() !== 'REFUSE'));
  const id = uid('record');
  return h(
    'section',
    { 'aria-labelledby': id },
    h('h2', { id }, t('clerk.record')),
    h(
      'form',
      {
        class: 'card',
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (action.value() === 'REFUSE') void record('RecordRefusal', { channel: channel.value(), collectedBefore: before.input.value || null });
          else void record('WithdrawRefusal', { channel: channel.value() });
        },
      },
      action.element,
      channel.element,
      before.element,
      h('button', { type: 'submit' }, t('clerk.submit')),
    ),
  );
}

/** The register's changes, newest first (as the API gives them): what, scope, channel, who, when. */
export function registerTable(changes) {
  if (changes.length === 0) return h('p', {}, t('register.empty'));
  return table({
    caption: t('register.caption'),
    rows: changes,
    columns: [
      { label: t('register.effectiveAt'), cell: (c) => dateTime(c.effectiveAt), rowHeader: true },
      { label: t('register.change'), cell: (c) => t(`change.${c.recordStatus}`) },
      { label: t('register.scope'), cell: (c) => (c.recordStatus !== 'REFUSED' ? '—' : c.collectedBefore ? t('scope.before', { date: date(c.collectedBefore).textContent }) : t('scope.all')) },
      { label: t('register.channel'), cell: (c) => t(`channel.${c.channel}`) },
      { label: t('register.recordedBy'), cell: (c) => `${roleName(c.recordedRole)} ${c.recordedBy}` },
    ],
  });
}
