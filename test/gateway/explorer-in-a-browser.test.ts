import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startLoneGateway, type LoneGateway } from '../support/lone-gateway';

// Issue #10 §4, in a real browser: the explorer comes up from the gateway alone. Needs Chromium
// (`apt-get install -y chromium`); without it this suite skips, saying so.
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`skipping the explorer browser test: no Chromium at ${CHROMIUM}`);
const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('the explorer in Chromium', () => {
  let lone: LoneGateway;
  let browser: Browser;
  beforeAll(async () => {
    lone = await startLoneGateway();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await lone?.stop();
  });

  test('shows the GraphiQL editor, having asked nothing of any other host', async () => {
    const page = await browser.newPage();
    const asked: string[] = [];
    const problems: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).origin));
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => void (response.status() >= 400 && problems.push(`${response.status()} ${new URL(response.url()).pathname}`)));
    await page.goto(lone.gateway.url);
    await page.waitForSelector('.graphiql-container .graphiql-query-editor .CodeMirror', { timeout: 20_000 });
    expect(await page.locator('.graphiql-query-editor').innerText()).toContain('PatientSummary');
    expect(new Set(asked)).toEqual(new Set([lone.origin]));
    // Without a token the page asks the gateway nothing it would refuse: it says to paste one.
    expect(problems).toEqual([]);
    expect(await page.locator('.graphiql-response').innerText()).toContain('Paste a provider token');
    await page.close();
  }, 60_000);

  test('the token typed in the field goes to the gateway as a bearer token, and the schema loads with it', async () => {
    const page = await browser.newPage();
    await page.goto(lone.gateway.url);
    await page.waitForSelector('.graphiql-container');
    const token = await lone.token();
    const introspection = page.waitForResponse((response) => response.request().method() === 'POST' && response.request().headers().authorization === `Bearer ${token}`);
    await page.fill('#qhr-token', token);
    await page.press('#qhr-token', 'Enter');
    const answer = await introspection;
    expect(answer.status()).toBe(200);
    expect((await answer.json()).data.__schema.queryType.name).toBe('Query');
    await page.close();
  }, 60_000);
});

