import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEV_JWT_SECRET } from '../../lib/config';
import { developmentToken } from '../../lib/development-token';
import type { DemoPerson } from '../../demo/people';
import { peopleInEveryDomain } from '../support/demo-choices';
import { startTestStack, type TestStack } from '../support/stack';

// Issue #11 §5: the people's pages in a real browser, used as their users use them, on the whole
// stack with the demo sources. Debian's Chromium (`apt-get install -y chromium`; .ci/run installs
// it); without it this suite skips, saying so. Screenshots go to test-output/app/ (gitignored).
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the pages' browser test: no Chromium at ${CHROMIUM}`);
const describeWithChromium = hasChromium ? describe : describe.skip;

const SHOTS = join(__dirname, '../../test-output/app');
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let stack: TestStack;
let browser: Browser;
let origin: string;
/** Every NAM and name the suite showed: none may stay in the browser after sign-out, nor reach a server log. */
const personal = new Set<string>();

/** The API as a user with this role (setting the scene: a consultation before a refusal, …). */
async function api(query: string, variables: Record<string, unknown>, claims: { role: string; sub: string }) {
  const token = await developmentToken({ ...claims, facility: 'clinic-mtl-east' }, DEV_JWT_SECRET, '10m');
  const response = await fetch(new URL('/graphql', origin), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return response.json();
}

interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors, CSP violations, failed requests. */
  problems: string[];
  /** Every request the page made: method and URL. */
  requests: { method: string; url: string; body: string | null }[];
}

async function open(path: string): Promise<Session> {
  const context = await browser.newContext({ locale: 'fr-CA', timezoneId: 'America/Montreal' });
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: Session['requests'] = [];
  page.on('console', (message) => void (message.type() === 'error' && problems.push(message.text())));
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('request', (request) => requests.push({ method: request.method(), url: request.url(), body: request.postData() }));
  await page.goto(new URL(path, origin).toString());
  return { context, page, problems, requests };
}

/** Signs in through the development sign-in page, from wherever the sign-in was asked. */
async function signIn(page: Page, role: string, sub: string) {
  await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
  await page.getByRole('link', { name: 'Utiliser la connexion de développement' }).click();
  await page.getByRole('heading', { level: 1, name: 'Connexion de développement' }).waitFor();
  await page.getByLabel('Rôle').selectOption(role);
  await page.getByLabel(/^Identifiant/).fill(sub);
  await page.getByRole('button', { name: 'Obtenir un jeton et se connecter' }).click();
}

/** axe-core in the page: no serious or critical violation (WCAG 2.1 A and AA rules, best practices). */
async function accessible(page: Page, name: string) {
  await page.evaluate(AXE);
  const violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] = await page.evaluate(async () => (await (window as any).axe.run(document, { resultTypes: ['violations'] })).violations);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ page: name, id: v.id, help: v.help, where: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  expect(serious).toEqual([]);
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const section = (page: Page, title: string) => page.locator('section.domain', { has: page.getByRole('heading', { level: 2, name: title, exact: true }) });

/** Nothing personal left in any storage the browser keeps for the origin. */
async function storageHoldsNothing(session: Session) {
  const kept = await session.page.evaluate(async () => ({
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    cookie: document.cookie,
    databases: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
  }));
  expect(kept).toEqual({ local: 0, session: 0, cookie: '', databases: 0, caches: 0 });
  expect(await session.context.cookies()).toEqual([]);
  const state = JSON.stringify(await session.context.storageState());
  for (const value of personal) expect(state).not.toContain(value);
  const text = await session.page.locator('body').innerText();
  for (const value of personal) expect(text).not.toContain(value);
}

/** The API calls carried no NAM in their address: POST, no query string, the NAM in the variables. */
function apiCallsKeepNamsOutOfUrls(session: Session) {
  const calls = session.requests.filter((r) => new URL(r.url).pathname === '/graphql');
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call.method).toBe('POST');
    expect(new URL(call.url).search).toBe('');
  }
  for (const request of session.requests) expect(new URL(request.url).origin).toBe(origin);
}

describeWithChromium("the people's pages in Chromium", () => {
  let everyDomain: DemoPerson[];
  let next = 0;
  const fresh = () => {
    const person = everyDomain[next++];
    personal.add(person.nam).add(person.familyName).add(person.givenName);
    return person;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The development secret, so the development sign-in is offered (as under `npm start`).
    stack = await startTestStack({ env: { AUTH_JWT_SECRET: DEV_JWT_SECRET, PAGES: 'on' } });
    origin = new URL(stack.platform.gatewayUrl).origin;
    everyDomain = peopleInEveryDomain(stack.people);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  test('a physician looks up a NAM and reads identity, source states and every domain, newest first, lab results flagged in words and symbols', async () => {
    // The person with the most abnormal results among those every domain holds data for.
    const candidates = everyDomain.slice(0, 6);
    const flagged = await Promise.all(candidates.map(async (p) => (await api('query($nam: NAM!) { patient(nam: $nam) { labResults { abnormalFlag } } }', { nam: p.nam }, { role: 'physician', sub: 'MD-SETUP' })).data.patient.labResults.filter((r: { abnormalFlag: string | null }) => r.abnormalFlag && r.abnormalFlag !== 'N').length));
    const person = candidates[flagged.indexOf(Math.max(...flagged))];
    everyDomain = everyDomain.filter((p) => p !== person);
    personal.add(person.nam).add(person.familyName).add(person.givenName);
    expect(Math.max(...flagged)).toBeGreaterThan(0);

    const session = await open('/app/');
    const { page } = session;
    await signIn(page, 'physician', 'MD-200001');
    await page.getByRole('heading', { level: 1, name: 'Rechercher un patient' }).waitFor();
    await page.getByLabel('Numéro d’assurance maladie (NAM)').fill('not a nam');
    await page.getByRole('button', { name: 'Afficher le dossier' }).click();
    await page.getByText('Ce NAM n’est pas valide').waitFor();
    await page.getByLabel('Numéro d’assurance maladie (NAM)').fill(person.nam.toLowerCase());
    await page.getByRole('button', { name: 'Afficher le dossier' }).click();
    await page.waitForURL(`**/app/patients/${person.nam}`);
    await page.getByRole('heading', { level: 2, name: 'Identité' }).waitFor();

    expect(await page.locator('.identity').innerText()).toContain(`${person.givenName} ${person.familyName}`);
    expect(await page.locator('.banner').count()).toBe(0);
    const sourceRows = page.locator('section.sources tbody tr');
    expect(await sourceRows.count()).toBeGreaterThanOrEqual(4);
    expect(await page.locator('section.sources').innerText()).toMatch(/Répondu/);
    for (const title of ['Médicaments délivrés', 'Résultats de laboratoire', 'Examens d’imagerie', 'Rencontres']) {
      expect({ title, rows: await section(page, title).locator('tbody tr').count() }).toEqual({ title, rows: expect.any(Number) });
      expect(await section(page, title).locator('tbody tr').count()).toBeGreaterThan(0);
    }
    for (const title of ['Problèmes de santé', 'Allergies', 'Vaccins']) expect(await section(page, title).innerText()).not.toMatch(/Non permis/);
    // Newest first: each section's dates, as the page wrote them in <time datetime>, descend.
    for (const title of ['Médicaments délivrés', 'Résultats de laboratoire', 'Rencontres']) {
      const times = await section(page, title).locator('tbody tr th time').evaluateAll((nodes) => nodes.map((n) => Date.parse(n.getAttribute('datetime')!)));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    }
    // Abnormal results: a row marked, and the flag in words with a symbol, not colour alone.
    const abnormal = section(page, 'Résultats de laboratoire').locator('tbody tr.abnormal');
    expect(await abnormal.count()).toBeGreaterThan(0);
    expect(await abnormal.first().innerText()).toMatch(/(▲ (Élevé|Critique élevé)|▼ (Bas|Critique bas)) \((H|HH|L|LL)\)/);
    expect(await section(page, 'Résultats de laboratoire').locator('thead').innerText()).toContain('Valeurs de référence');
    await accessible(page, 'patient view (fr)');
    await shot(page, 'patient-view-fr');

    // English: every string from the other table, the lang attribute set, dates in the user's English.
    await page.getByRole('button', { name: 'Display the pages in English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Patient record' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await section(page, 'Lab results').locator('thead').innerText()).toContain('Reference range');
    expect(await page.locator('.identity time').first().innerText()).toMatch(/^[A-Z][a-z]+ \d{1,2}, \d{4}$/);
    await accessible(page, 'patient view (en)');
    await shot(page, 'patient-view-en');
    apiCallsKeepNamsOutOfUrls(session);
    expect(session.requests.filter((r) => r.url.endsWith('/graphql')).some((r) => r.body?.includes(`"nam":"${person.nam}"`))).toBe(true);
    expect(session.problems).toEqual([]);
    await session.context.close();
  }, 120_000);

  test('a pharmacist sees the domains the role may not see said as not permitted, never as empty', async () => {
    const person = fresh();
    const session = await open(`/app/patients/${person.nam}`);
    const { page } = session;
    await signIn(page, 'pharmacist', 'PH-300001');
    await page.waitForURL(`**/app/patients/${person.nam}`);
    await page.getByRole('heading', { level: 2, name: 'Identité' }).waitFor();
    expect(await section(page, 'Médicaments délivrés').locator('tbody tr').count()).toBeGreaterThan(0);
    for (const title of ['Examens d’imagerie', 'Rencontres', 'Problèmes de santé', 'Allergies', 'Vaccins']) {
      expect({ title, text: await section(page, title).innerText() }).toEqual({ title, text: expect.stringContaining('Non permis pour votre rôle.') });
      expect(await section(page, title).locator('table').count()).toBe(0);
    }
    await accessible(page, 'patient view, pharmacist');
    await shot(page, 'patient-view-pharmacist');
    // A well-formed NAM nobody has: said so, not an empty record.
    await page.getByRole('link', { name: 'Rechercher un patient' }).click();
    await page.getByLabel('Numéro d’assurance maladie (NAM)').fill('ZZZZ50010199');
    await page.getByRole('button', { name: 'Afficher le dossier' }).click();
    await page.getByText('Aucune personne assurée n’a ce NAM.').waitFor();
    expect(await page.locator('section.domain').count()).toBe(0);
    await session.context.close();
  }, 60_000);

  test('the banners: a refused record, a partly refused one, and one open only because of a prior consultation', async () => {
    const [refused, partly] = [fresh(), fresh()];
    const physician = { role: 'physician', sub: 'MD-400001' };
    // This physician consulted `refused` before the refusal; another did not.
    await api('query($nam: NAM!) { patient(nam: $nam) { nam } }', { nam: refused.nam }, physician);
    await api('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: PHONE) { recordStatus } }', { nam: refused.nam }, { role: 'consent_clerk', sub: 'CLERK-1' });
    await api('mutation($nam: NAM!) { recordRefusal(nam: $nam, channel: ONLINE, collectedBefore: "2024-01-01") { recordStatus } }', { nam: partly.nam }, { role: 'person', sub: partly.nam });

    const session = await open(`/app/patients/${refused.nam}`);
    const { page } = session;
    await signIn(page, 'physician', physician.sub);
    await page.getByText('Il vous reste ouvert parce que vous l’avez consulté avant son refus').waitFor();
    await shot(page, 'banner-prior-consultation');
    await page.goto(new URL('/app/', origin).toString());
    // A new document: the token was in the old one's memory only.
    await signIn(page, 'physician', 'MD-400002');
    await page.getByLabel('Numéro d’assurance maladie (NAM)').fill(refused.nam);
    await page.getByRole('button', { name: 'Afficher le dossier' }).click();
    await page.getByText('Dossier refusé : cette personne a refusé d’avoir un dossier partagé').waitFor();
    expect(await page.locator('section.domain').count()).toBe(0);
    await accessible(page, 'refused record');
    await shot(page, 'banner-refused');
    await page.getByRole('link', { name: 'Rechercher un patient' }).click();
    await page.getByLabel('Numéro d’assurance maladie (NAM)').fill(partly.nam);
    await page.getByRole('button', { name: 'Afficher le dossier' }).click();
    const banner = page.getByText(/Refus partiel : les renseignements enregistrés avant le 1 janvier 2024/);
    await banner.waitFor();
    const dates = await page.locator('section.domain tbody th time').evaluateAll((nodes) => nodes.map((n) => n.getAttribute('datetime')!.slice(0, 10)));
    expect(dates.filter((d) => d < '2024-01-01')).toEqual([]);
    await accessible(page, 'partly refused record');
    await shot(page, 'banner-partial-refusal');
    expect(session.problems).toEqual([]);
    await session.context.close();
  }, 90_000);

  test('a person refuses online (before a date, then the whole record), withdraws, and reads who consulted their record', async () => {
    const person = fresh();
    await api('query($nam: NAM!) { patient(nam: $nam) { medications { id } } }', { nam: person.nam }, { role: 'physician', sub: 'MD-500001' });
    const session = await open('/app/me');
    const { page } = session;
    await signIn(page, 'person', person.nam);
    await page.getByRole('heading', { level: 1, name: 'Mon dossier santé' }).waitFor();
    await page.getByText('Votre dossier est actif').waitFor();
    const log = page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Qui a consulté mon dossier' }) });
    expect(await log.locator('tbody tr', { hasText: 'MD-500001' }).innerText()).toMatch(/Consultation du dossier[\s\S]*médecin[\s\S]*clinic-mtl-east[\s\S]*Médicaments[\s\S]*Accès accordé/);
    await accessible(page, 'my record');
    await shot(page, 'me-active');

    await page.getByLabel('Seulement les renseignements enregistrés avant une date').check();
    await page.getByLabel('Date', { exact: true }).fill('2023-06-30');
    await page.getByRole('button', { name: 'Enregistrer mon refus' }).click();
    await page.getByText(/Vous avez refusé le partage des renseignements enregistrés avant le 30 juin 2023/).waitFor();
    await shot(page, 'me-partial-refusal');

    await page.getByLabel('Tout mon dossier').check();
    await page.getByRole('button', { name: 'Enregistrer mon refus' }).click();
    await page.getByText(/Vous avez refusé d’avoir un dossier partagé/).waitFor();
    expect((await api('query($nam: NAM!) { patient(nam: $nam) { nam } }', { nam: person.nam }, { role: 'physician', sub: 'MD-500002' })).errors[0].extensions.code).toBe('RECORD_REFUSED');
    await accessible(page, 'my record, refused');
    await shot(page, 'me-refused');

    await page.getByRole('button', { name: 'Retirer mon refus' }).click();
    await page.getByText('Votre dossier est actif').waitFor();
    const history = page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Mes refus et retraits' }) });
    const changes = await history.locator('tbody tr').allInnerTexts();
    expect(changes.map((row) => row.split('\t').slice(1, 4))).toEqual([
      ['Retrait du refus', '—', 'En ligne'],
      ['Refus', 'Tout le dossier', 'En ligne'],
      ['Refus', 'Avant le 30 juin 2023', 'En ligne'],
    ]);
    await shot(page, 'me-withdrawn');
    apiCallsKeepNamsOutOfUrls(session);
    expect(session.problems).toEqual([]);
    await session.context.close();
  }, 90_000);

  test('a consent clerk records a refusal by phone and its withdrawal by mail, and sees the register’s history', async () => {
    const person = fresh();
    const session = await open('/app/clerk');
    const { page } = session;
    await signIn(page, 'consent_clerk', 'CLERK-600001');
    await page.getByRole('heading', { level: 1, name: 'Comptoir des refus' }).waitFor();
    await page.getByLabel('NAM de la personne').fill(person.nam);
    await page.getByRole('button', { name: 'Afficher le registre' }).click();
    await page.getByText('Aucun refus inscrit pour ce NAM.').waitFor();
    expect(page.url()).not.toContain(person.nam);

    await page.getByLabel('Refus', { exact: true }).check();
    await page.getByLabel('Téléphone').check();
    await page.getByRole('button', { name: 'Inscrire', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Changement inscrit' }).first().waitFor();
    await page.getByLabel('Retrait du refus').check();
    await page.getByLabel('Courrier').check();
    await page.getByRole('button', { name: 'Inscrire', exact: true }).click();
    const history = page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Historique au registre des refus' }) });
    await history.locator('tbody tr').nth(1).waitFor();
    const rows = await history.locator('tbody tr').allInnerTexts();
    expect(rows.map((row) => row.split('\t').slice(1))).toEqual([
      ['Retrait du refus', '—', 'Courrier', 'préposé·e aux refus CLERK-600001'],
      ['Refus', 'Tout le dossier', 'Téléphone', 'préposé·e aux refus CLERK-600001'],
    ]);
    expect(await page.locator('#clerk-current + p').innerText()).toMatch(/^Actif/);
    await accessible(page, 'clerk desk');
    await shot(page, 'clerk-desk');
    expect(page.url()).not.toContain(person.nam);
    apiCallsKeepNamsOutOfUrls(session);
    expect(session.problems).toEqual([]);

    // Signing out leaves nothing personal in the browser: no token, no NAM, no name, in any storage or on screen.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByText('Vous êtes déconnecté').first().waitFor();
    personal.add(person.nam);
    await storageHoldsNothing(session);
    await shot(page, 'signed-out');
    await session.context.close();
  }, 90_000);

  test('signing in with an identity provider’s token: a good one opens the page, one the gateway refuses leads back to the sign-in', async () => {
    const person = fresh();
    const session = await open('/app/me');
    const { page } = session;
    await page.getByLabel('Jeton d’accès (bearer)').fill(await developmentToken({ role: 'person', sub: person.nam }, 'not-the-gateway-secret', '10m'));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Votre session a pris fin. Connectez-vous de nouveau.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await page.getByLabel('Jeton d’accès (bearer)').fill('not a token');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByText('Ce jeton n’est pas lisible').waitFor();
    await page.getByLabel('Jeton d’accès (bearer)').fill(await developmentToken({ role: 'person', sub: person.nam }, DEV_JWT_SECRET, '10m'));
    await page.getByRole('button', { name: 'Se connecter' }).click();
    // Back where the person was going before the sign-in was asked.
    await page.getByText('Votre dossier est actif').waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/me');
    await accessible(page, 'sign-in');
    await session.context.close();
  }, 60_000);

  test('after a provider’s session and sign-out, the browser keeps nothing personal, and the server logged none of it', async () => {
    const person = fresh();
    const session = await open(`/app/patients/${person.nam}`);
    const { page } = session;
    await signIn(page, 'physician', 'MD-700001');
    await page.getByText(`${person.givenName} ${person.familyName}`).waitFor();
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/app/sign-in');
    await storageHoldsNothing(session);
    // Back to the record's address: it asks to sign in again, shows nothing.
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Connexion' }).waitFor();
    await storageHoldsNothing(session);
    await session.context.close();
    const logs = stack.logs.join('\n');
    for (const value of personal) expect(logs).not.toContain(value);
  }, 60_000);
});
