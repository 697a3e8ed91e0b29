// Sign-in with the identity provider's token (production), or, where the server offers it, a
// link to the development sign-in (issue #11 §4).
import { fill, h, uid } from './dom.js';
import { t } from './i18n.js';
import { signIn } from './session.js';

export function mount(ctx) {
  const render = () => {
    ctx.title('signIn.title');
    const id = uid('token');
    const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
    const token = h('textarea', { id, name: 'token', rows: '4', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': `${id}-help ${id}-error` });
    const form = h(
      'form',
      {
        class: 'card',
        novalidate: true,
        onsubmit: (event) => {
          event.preventDefault();
          if (!signIn(token.value)) {
            error.textContent = t('signIn.bad');
            error.hidden = false;
            token.setAttribute('aria-invalid', 'true');
            return token.focus();
          }
          token.value = '';
          ctx.signedIn();
        },
      },
      h('div', { class: 'field' }, h('label', { for: id }, t('signIn.token')), h('p', { id: `${id}-help`, class: 'help' }, t('signIn.tokenHelp')), token, error),
      h('button', { type: 'submit' }, t('signIn.submit')),
    );
    fill(
      ctx.main,
      h('h1', { tabindex: '-1' }, t('signIn.title')),
      ctx.flash ? h('p', { class: 'banner', role: 'status' }, t(ctx.flash)) : null,
      ctx.devSignIn ? h('p', {}, h('a', { href: '/app/dev-sign-in', 'data-nav': '' }, t('signIn.devLink'))) : null,
      h('p', {}, t('signIn.intro')),
      form,
    );
  };
  render();
  return { render };
}
