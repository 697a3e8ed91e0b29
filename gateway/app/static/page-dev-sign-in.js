// The development sign-in (issue #11 §4): a token for a role, issued by the gateway only while it
// verifies tokens with the development secret. This file is not served otherwise.
import { field, fill, h, uid } from './dom.js';
import { roleName, t } from './i18n.js';
import { signIn } from './session.js';

const ROLES = ['physician', 'nurse', 'pharmacist', 'consent_clerk', 'privacy_officer', 'person'];

export function mount(ctx) {
  const render = () => {
    ctx.title('devSignIn.title');
    const roleId = uid('role');
    const role = h('select', { id: roleId, name: 'role' }, ROLES.map((r) => h('option', { value: r }, roleName(r))));
    const sub = field({ label: t('devSignIn.sub'), name: 'sub', required: true, value: 'MD-100001', spellcheck: false });
    const facility = field({ label: t('devSignIn.facility'), name: 'facility', value: 'clinic-mtl-east', spellcheck: false });
    const form = h(
      'form',
      {
        class: 'card',
        novalidate: true,
        onsubmit: async (event) => {
          event.preventDefault();
          sub.clearError();
          const response = await fetch('/app/dev-sign-in', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ role: role.value, sub: sub.input.value.trim(), facility: facility.input.value.trim() }),
            credentials: 'omit',
            cache: 'no-store',
          }).catch(() => null);
          const body = response ? await response.json().catch(() => ({})) : {};
          if (!response?.ok || !body.token || !signIn(body.token)) return sub.showError(t('devSignIn.refused', { reason: body.error ?? response?.status ?? '' }));
          ctx.signedIn();
        },
      },
      h('div', { class: 'field' }, h('label', { for: roleId }, t('devSignIn.role')), role),
      sub.element,
      facility.element,
      h('button', { type: 'submit' }, t('devSignIn.submit')),
    );
    fill(ctx.main, h('h1', { tabindex: '-1' }, t('devSignIn.title')), h('p', { class: 'banner banner-partial' }, t('devSignIn.intro')), form);
  };
  render();
  return { render };
}
