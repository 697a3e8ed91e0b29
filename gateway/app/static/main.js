// The people's pages (issue #11): one document for every /app/ address, so the token stays in
// memory while the person moves between pages (session.js). Routes, the bar (who is signed in,
// the language switch, sign-out), focus and announcements for screen readers.
import { graphql, retryLater, unauthenticated } from './api.js';
import { fill, h } from './dom.js';
import { language, roleName, setLanguage, t } from './i18n.js';
import * as session from './session.js';

const main = document.getElementById('main');
const bar = document.getElementById('bar');
const announcer = document.getElementById('announce');
const devSignIn = document.body.dataset.devSignIn === 'on';

const ROUTES = [
  { pattern: /^\/app\/?$/, load: () => import('./page-search.js') },
  { pattern: /^\/app\/patients\/([A-Za-z0-9]{1,20})$/, load: () => import('./page-patient.js'), params: (m) => ({ nam: m[1] }) },
  { pattern: /^\/app\/me$/, load: () => import('./page-me.js') },
  { pattern: /^\/app\/clerk$/, load: () => import('./page-clerk.js') },
  { pattern: /^\/app\/sign-in$/, load: () => import('./page-sign-in.js'), public: true },
  // Only where the server offers it: elsewhere neither this route nor its script exist.
  ...(devSignIn ? [{ pattern: /^\/app\/dev-sign-in$/, load: () => import('./page-dev-sign-in.js'), public: true }] : []),
];

const NOT_PROVIDERS = ['person', 'consent_clerk', 'privacy_officer'];
const home = (role) => (role === 'person' ? '/app/me' : role === 'consent_clerk' || role === 'privacy_officer' ? '/app/clerk' : '/app/');

let view = null;
/** Where the person was going when asked to sign in (in memory only). */
let pending = null;
let flash = null;
let generation = 0;

function navigate(path, { replace = false } = {}) {
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
  void show();
}

function announce(message) {
  announcer.textContent = '';
  // A change of text after a tick is what screen readers announce.
  setTimeout(() => (announcer.textContent = message), 50);
}

function expired() {
  session.signOut();
  pending = location.pathname;
  flash = 'session.expired';
  navigate('/app/sign-in', { replace: true });
}

function signOut() {
  session.signOut();
  view = null;
  pending = null;
  fill(main);
  flash = 'session.signedOut';
  // The address may hold a NAM: the page left on screen and in this history entry is the sign-in.
  navigate('/app/sign-in', { replace: true });
  announce(t('session.signedOut'));
}

function renderBar() {
  const who = session.current();
  const links = !who ? [] : who.role === 'person' ? [['/app/me', 'nav.me']] : NOT_PROVIDERS.includes(who.role) ? [['/app/clerk', 'nav.clerk']] : [['/app/', 'nav.search']];
  const other = language() === 'fr' ? 'en' : 'fr';
  fill(
    bar,
    h('a', { class: 'brand', href: who ? home(who.role) : '/app/sign-in', 'data-nav': '' }, t('app.name')),
    links.length ? h('nav', { 'aria-label': t('nav.label') }, h('ul', {}, links.map(([href, key]) => h('li', {}, h('a', { href, 'data-nav': '', 'aria-current': location.pathname === href ? 'page' : undefined }, t(key)))))) : null,
    h(
      'div',
      { class: 'bar-tools' },
      who ? h('span', { class: 'who' }, t('session.as', { role: roleName(who.role), sub: who.sub })) : null,
      h('button', { type: 'button', class: 'link', lang: other, 'aria-label': t('lang.switchLabel'), onclick: switchLanguage }, t('lang.switch')),
      who ? h('button', { type: 'button', class: 'link', id: 'sign-out', onclick: signOut }, t('session.signOut')) : null,
    ),
  );
  document.querySelector('.skip').textContent = t('app.skip');
}

function switchLanguage() {
  setLanguage(language() === 'fr' ? 'en' : 'fr');
  renderBar();
  view?.render();
  bar.querySelector('button[lang]')?.focus();
}

async function show() {
  const mine = ++generation;
  const who = session.current();
  const route = ROUTES.find((r) => r.pattern.test(location.pathname));
  renderBar();
  let target = route;
  if (route && !route.public && !who) {
    pending = location.pathname;
    target = ROUTES.find((r) => r.pattern.test('/app/sign-in'));
  } else if (route?.public && who) {
    return navigate(home(who.role), { replace: true });
  }
  if (!target) {
    view = null;
    document.title = t('app.name');
    fill(main, h('h1', { tabindex: '-1' }, t('app.notFound')));
    return focusHeading();
  }
  const page = await target.load();
  if (mine !== generation) return;
  const match = location.pathname.match(target.pattern);
  view = page.mount({
    main,
    params: target.params && match ? target.params(match) : {},
    who: () => session.current(),
    isProvider: () => !NOT_PROVIDERS.includes(session.current()?.role),
    navigate,
    announce,
    devSignIn,
    flash: target.public ? flash : null,
    title: (key) => (document.title = `${t(key)} — ${t('app.name')}`),
    signedIn() {
      flash = null;
      const to = pending && !/sign-in$/.test(pending) ? pending : home(session.current().role);
      pending = null;
      navigate(to, { replace: true });
    },
    /** The API with the token; null when the session ended (the page then shows the sign-in). */
    async graphql(name, variables) {
      const answer = await graphql(name, variables);
      if (mine !== generation) return null;
      if (unauthenticated(answer)) {
        expired();
        return null;
      }
      return retryLater(answer) ? { ...answer, retry: true } : answer;
    },
  });
  if (!target.public) flash = null;
  focusHeading();
}

function focusHeading() {
  main.querySelector('h1')?.focus();
}

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-nav]');
  if (!link || event.defaultPrevented || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', () => void show());

setLanguage('fr');
void show();
