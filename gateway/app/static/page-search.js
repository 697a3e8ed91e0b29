// The NAM search (issue #11 §1, /app/): opens /app/patients/<NAM>. The NAM is in the page's address,
// as the issue asks, never in an API call's (it travels in the GraphQL variables).
import { field, fill, h } from './dom.js';
import { t } from './i18n.js';

const NAM = /^[A-Z]{4}\d{8}$/;

export function mount(ctx) {
  const render = () => {
    ctx.title('search.title');
    if (!ctx.isProvider()) return void fill(ctx.main, h('h1', { tabindex: '-1' }, t('search.title')), h('p', { class: 'banner' }, t('search.notForRole')));
    const nam = field({ label: t('search.nam'), name: 'nam', help: t('search.namHelp'), required: true, autocomplete: 'off', spellcheck: false });
    const form = h(
      'form',
      {
        class: 'card',
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          const value = nam.input.value.replace(/\s+/g, '').toUpperCase();
          if (!NAM.test(value)) return nam.showError(t('search.bad'));
          nam.clearError();
          ctx.navigate(`/app/patients/${value}`);
        },
      },
      nam.element,
      h('button', { type: 'submit' }, t('search.submit')),
    );
    fill(ctx.main, h('h1', { tabindex: '-1' }, t('search.title')), h('p', {}, t('search.intro')), form);
  };
  render();
  return { render };
}
