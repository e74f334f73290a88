// What a user does on the portal pages, as reusable steps, plus REST shortcuts for the state a
// test needs before its own pages (registering an agency, authorising an operator) — the pages
// for those have their own tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import { it } from 'node:test';
import { PIN, pki, cards, agentSign, screenshot, screenshotDir, launchBrowser, startEnvironment, portalHost } from './harness.mjs';

export { PIN, cards };

/// Waits until the card step shows the agent connected and the card list.
export async function waitForCards(page) {
  await page.locator('.agent-ok').first().waitFor();
  await page.locator('.card-select:not([hidden]) select').first().waitFor();
}

/**
 * Fills a card step: chooses `card` (token label) in the card list, fills `fields`
 * ({label text: value}) and the PIN, and presses 確認 (or `submit`).
 */
export async function cardStep(page, { card, fields = {}, pin = PIN, submit = '確認' }) {
  await waitForCards(page);
  const form = page.locator('form.card-form');
  await form.locator('.card-select select').selectOption(cards[card].token);
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label).fill(value);
  await form.locator('input[type="password"]').fill(pin);
  await form.getByRole('button', { name: submit, exact: true }).click();
}

/// Through HiPKI: presses 讀取IC卡 (HiPKI's popup reads the cards) and waits for the list.
export async function hipkiReadCards(page, { button = '讀取IC卡' } = {}) {
  await page.getByRole('button', { name: button, exact: true }).click();
  await page.locator('.hipki-cards').waitFor();
  await page.locator('.card-select:not([hidden]) select').first().waitFor();
}

/**
 * A card step signed through HiPKI: reads the cards (unless `read: false`, already listed),
 * checks the one in the double's reader is chosen (`card`, shown by its name), fills `fields`
 * and the PIN, and presses 確認.
 */
export async function hipkiCardStep(page, { card, fields = {}, pin = PIN, submit = '確認', read = true }) {
  if (read) await hipkiReadCards(page);
  const form = page.locator('form.card-form');
  const select = form.locator('.card-select select');
  const chosen = await select.evaluate((el) => el.options[el.selectedIndex].textContent);
  const shown = cards[card].name || /OU=([^,]+)/.exec(cards[card].subject)[1];
  assert.ok(chosen.includes(shown), `the card in HiPKI's reader is chosen: ${chosen}`);
  for (const [label, value] of Object.entries(fields)) await form.getByLabel(label).fill(value);
  await form.locator('input[type="password"]').fill(pin);
  await form.getByRole('button', { name: submit, exact: true }).click();
}

/// Waits for the step or section heading (h2; the page title h1 with `level: 1`) named `name`.
export async function expectHeading(page, name, { level = 2 } = {}) {
  await page.getByRole('heading', { name, exact: true, level }).first().waitFor();
}

export async function mainText(page) {
  return page.locator('main').innerText();
}

/// The main area's text once it matches `pattern`: a section draws its heading first and its
/// data when its API call answers, so a check right after the heading would race the data.
/// Fails with the last text seen if it does not match within `timeoutMs`.
export async function mainTextMatching(page, pattern, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let text = await mainText(page);
  while (!pattern.test(text) && Date.now() < deadline) {
    await page.waitForTimeout(50);
    text = await mainText(page);
  }
  assert.match(text, pattern);
  return text;
}

/// The field-level error shown next to the input labelled `label` (aria-describedby).
export async function fieldError(page, label) {
  const input = page.getByLabel(label, { exact: false }).first();
  await page.waitForFunction((el) => el.getAttribute('aria-invalid') === 'true', await input.elementHandle());
  const describedBy = await input.getAttribute('aria-describedby');
  const ids = describedBy.split(/\s+/).filter((id) => id.endsWith('-error'));
  return page.locator(`[id="${ids[0]}"]`).innerText();
}

/**
 * One test file: an environment (server + agent), a browser, and `test(name, fn(page))` that
 * gives each test a fresh tab and, on failure, a screenshot and the page's text and console.
 */
export function suite({ env: envOptions = {}, browser: browserOptions = {} } = {}) {
  const ctx = { env: null, browser: null };
  ctx.setup = async () => {
    ctx.env = await startEnvironment(envOptions);
    ctx.browser = await launchBrowser(ctx.env, browserOptions);
  };
  ctx.teardown = async () => {
    if (ctx.browser) await ctx.browser.close().catch(() => {});
    if (!ctx.env) return;
    const serverLog = ctx.env.log('server');
    await ctx.env.stop().catch(() => {});
    assert.ok(!serverLog.includes(PIN), 'no PIN in the server log');
  };
  const slugOf = (name) => name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60);
  ctx.test = (name, fn, options = {}) =>
    it(name, options, async () => {
      fs.rmSync(path.join(screenshotDir, `FAILED-${slugOf(name)}.png`), { force: true });
      const page = await ctx.browser.context.newPage();
      page.setDefaultTimeout(15000);
      const consoleLines = [];
      const pinSentTo = [];
      page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
      page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
      // Every tab of the context: HiPKI's popup posts the PIN to HiPKI itself.
      const watchPin = (request) => {
        const body = request.postData() || '';
        if (/"pin"\s*:|%22pin%22/.test(body) || body.includes(PIN)) pinSentTo.push(`${request.method()} ${request.url()}`);
      };
      ctx.browser.context.on('request', watchPin);
      try {
        await fn(page);
        const errors = consoleLines.filter((line) => line.startsWith('pageerror') || /Content Security Policy/i.test(line));
        assert.deepEqual(errors, [], 'no uncaught errors or CSP violations in the page');
        for (const line of consoleLines) assert.ok(!line.includes(PIN), 'the PIN never reaches the console');
        // The PIN goes to the agent's sign endpoint on 127.0.0.1 (or HiPKI's) and nowhere else.
        const signers = [`${ctx.env.agentUrl}/v1/sign`, ...(ctx.env.hipkiUrl ? [`${ctx.env.hipkiUrl}/sign`] : [])];
        for (const target of pinSentTo) assert.ok(signers.some((url) => target === `POST ${url}`), `PIN sent to ${target}`);
      } catch (error) {
        await screenshot(page, `FAILED-${slugOf(name)}`).catch(() => {});
        const text = await page.locator('body').innerText().catch(() => '(no page)');
        console.log(`# page ${page.url()}\n${text.split('\n').map((l) => `#   ${l}`).join('\n')}`);
        console.log(consoleLines.map((l) => `# console ${l}`).join('\n'));
        throw error;
      } finally {
        ctx.browser.context.off('request', watchPin);
        await page.close().catch(() => {});
      }
    });
  ctx.goto = (page, path) => page.goto(`${ctx.env.origin}${path}`);
  return ctx;
}

// ---------------------------------------------------------------------------------------------
// REST shortcuts (the same calls the pages make)

function call(env, method, path, { body, cookie, csrf } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (cookie) headers.Cookie = cookie;
    if (csrf) headers['X-CSRF-Token'] = csrf;
    const req = https.request(
      { host: '127.0.0.1', port: env.serverPort, path, method, headers, ca: fs.readFileSync(pki.tls.ca), servername: portalHost },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode, json, cookies: (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]) });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

/// A flow driven over REST: start(type), card(purpose, endpoint, cardName, extra), post(path, body).
export async function restFlow(env, type) {
  const start = await call(env, 'POST', '/api/v1/flows', { body: { type } });
  assert.equal(start.status, 201, JSON.stringify(start.json));
  const flow = { id: start.json.flow.id, csrf: start.json.csrfToken, cookie: start.cookies.join('; '), view: start.json.flow };
  const absorb = (r) => {
    if (r.json && r.json.csrfToken) flow.csrf = r.json.csrfToken;
    if (r.cookies.length) flow.cookie = r.cookies.join('; ');
    if (r.json && r.json.flow) flow.view = r.json.flow;
    return r;
  };
  flow.post = async (path, body = {}, method = 'POST') =>
    absorb(await call(env, method, `/api/v1/flows/${flow.id}${path}`, { body, cookie: flow.cookie, csrf: flow.csrf }));
  flow.card = async (purpose, endpoint, cardName, extra = {}) => {
    const challenge = await call(env, 'POST', `/api/v1/flows/${flow.id}/challenge`, { body: { purpose }, cookie: flow.cookie, csrf: flow.csrf });
    assert.equal(challenge.status, 200, JSON.stringify(challenge.json));
    const token = await agentSign(env, cardName, challenge.json.nonce);
    const r = await flow.post(endpoint, { ...extra, nonce: challenge.json.nonce, token });
    return r;
  };
  return flow;
}

/// First registration of `agency` over REST.
export async function registerAgency(env, { agency = 'A0001', org = 'gca-moi', manager = 'moica-wang' } = {}) {
  const flow = await restFlow(env, 'first-registration');
  await flow.post('/terms', { accepted: true });
  let r = await flow.card('organisation', '/organisation-card', org, { agencyCode: agency });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await flow.card('manager', '/manager-card', manager, { nationalId: cards[manager].nationalId });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await flow.post('/confirm', { name: cards[manager].name, email: 'manager@agency.gov.tw', phone: '(02)23456789', extension: '123' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.flow.step, 'done');
}

/// Authorises operators of `agency` over REST: [{card, functions}].
export async function authoriseOperators(env, operators, { org = 'gca-moi', manager = 'moica-wang' } = {}) {
  const flow = await restFlow(env, 'authorisation');
  let r = await flow.card('organisation', '/organisation-card', org, { agencyCode: 'A0001' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  r = await flow.card('manager', '/manager-card', manager, { nationalId: cards[manager].nationalId });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  for (const op of operators) {
    r = await flow.post('/operators', { serial: cards[op.card].serial, name: cards[op.card].name, nationalId: cards[op.card].nationalId, functions: op.functions });
    assert.equal(r.status, 201, JSON.stringify(r.json));
  }
  return flow;
}
