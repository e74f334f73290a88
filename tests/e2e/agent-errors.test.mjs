// What the pages say when the card side goes wrong: a wrong PIN (next to the PIN field, the
// card's PIN state shown), the PIN counter down to final try and locked (on the lockout test
// double, which behaves like a real card), a missing agent (how to start or install it, then
// recovery), and Local Network Access: the prompt explained BEFORE the first agent call, and
// the recovery guidance when the browser denied it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, before, after } from 'node:test';
import { buildDir, launchBrowser, screenshot, setLocalNetworkAccess } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, fieldError, waitForCards, PIN } from './lib/portal.mjs';

const s = suite();

describe('card agent problems', () => {
  before(s.setup);
  after(s.teardown);

  s.test('a wrong PIN is shown next to the PIN field, which is cleared', async (page) => {
    await s.goto(page, '/flow.html?type=query-serial');
    await cardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'F227190583' }, pin: '000000' });
    assert.equal(await fieldError(page, '自然人憑證IC卡密碼（PIN碼）'), 'PIN 碼錯誤，請確認後重新輸入。PIN 碼連續錯誤三次，卡片將被鎖定。');
    assert.equal(await page.locator('input[type="password"]').inputValue(), '', 'the PIN field is cleared after use');
    assert.match(await page.locator('.error-summary').innerText(), /PIN 碼錯誤/);
    // SoftHSM2 reports CKF_USER_PIN_COUNT_LOW after a wrong PIN: the card's state is shown.
    await page.getByText('注意：此IC卡的 PIN 碼曾輸入錯誤，剩餘嘗試次數不多').waitFor();
    await screenshot(page, '23-wrong-pin');
    await page.locator('input[type="password"]').fill(PIN);
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await expectHeading(page, '查詢自然人憑證序號結果');
  });

  s.test('a missing agent: how to start or install it, then recovery once it runs', async (page) => {
    await s.env.stopAgent();
    try {
      await s.goto(page, '/flow.html?type=query-serial');
      const guidance = page.locator('.agent-guidance[data-reason="not-running"]');
      await guidance.waitFor();
      const text = await guidance.innerText();
      assert.match(text, /偵測不到憑證讀卡服務/);
      assert.match(text, /certgate-agent serve/);
      assert.match(text, /讀卡服務安裝說明/);
      await screenshot(page, '24-agent-missing');
    } finally {
      await s.env.startAgent();
    }
    await page.getByRole('button', { name: '重新偵測' }).click();
    await waitForCards(page);
    await cardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'F227190583' } });
    await expectHeading(page, '查詢自然人憑證序號結果');
  });

  s.test('an agent that does not allow this site is told apart from a missing one', async (page) => {
    // An agent configured for another portal: it answers 403 without CORS headers, and the
    // page says so. (The portal itself refuses a page opened under another name: its API
    // takes state changes from its own origin only.)
    await s.env.stopAgent();
    await s.env.startAgent({ allowOrigin: 'https://another-portal.example' });
    try {
      await s.goto(page, '/flow.html?type=query-oid');
      const guidance = page.locator('.agent-guidance[data-reason="origin-refused"]');
      await guidance.waitFor();
      assert.match(await guidance.innerText(), /讀卡服務拒絕本網站的連線/);
    } finally {
      await s.env.stopAgent();
      await s.env.startAgent();
    }
  });

  s.test('Local Network Access not yet decided: the prompt is explained before the first agent call', async () => {
    const browser = await launchBrowser(s.env, { lna: 'prompt' });
    try {
      const page = browser.page;
      const agentLog = () => fs.readFileSync(path.join(s.env.dir, 'agent.log'), 'utf8');
      const before = agentLog().split('\n').filter((l) => l.includes(s.env.origin)).length;
      await page.goto(`${s.env.origin}/flow.html?type=operator-login`);
      const explain = page.locator('.lna-explain');
      await explain.waitFor();
      assert.match(await explain.innerText(), /瀏覽器將詢問是否允許本網站存取您裝置上的其他應用程式和服務/);
      assert.match(await explain.innerText(), /請點選「允許」/);
      await screenshot(page, '25-lna-explained');
      const after = agentLog().split('\n').filter((l) => l.includes(s.env.origin)).length;
      assert.equal(after, before, 'no request reached the agent before the user pressed the button');
      // Headless Chromium answers its own prompt with "block": the page then guides recovery.
      await page.getByRole('button', { name: '連線讀卡服務' }).click();
      await page.locator('.agent-guidance[data-reason="lna-denied"]').waitFor();
    } finally {
      await browser.close();
    }
  });

  s.test('Local Network Access denied: the page says how to allow it again', async () => {
    const browser = await launchBrowser(s.env, { lna: 'denied' });
    try {
      const page = browser.page;
      await page.goto(`${s.env.origin}/flow.html?type=first-registration`);
      await page.getByRole('button', { name: '同意條款內容' }).click();
      const guidance = page.locator('.agent-guidance[data-reason="lna-denied"]');
      await guidance.waitFor();
      const text = await guidance.innerText();
      assert.match(text, /瀏覽器已封鎖本網站連線您電腦上的讀卡服務/);
      assert.match(text, /網站設定/);
      assert.match(text, /存取這部裝置上的其他應用程式和服務/);
      await screenshot(page, '26-lna-denied');
      // Submitting anyway points at the problem instead of failing silently.
      await page.getByLabel('機關代號（五碼）').fill('A0001');
      await page.locator('input[type="password"]').fill('123456');
      await page.getByRole('button', { name: '確認', exact: true }).click();
      assert.match(await page.locator('.error-summary').innerText(), /讀卡服務尚未連線/);
      assert.equal(await page.locator('input[type="password"]').inputValue(), '');
    } finally {
      await browser.close();
    }
  });
});

// The PIN counter of a real card, on the lockout test double wrapping SoftHSM2.
const lockoutModule =
  process.env.CERTGATE_LOCKOUT_MODULE || path.join(buildDir, 'tests', 'integration', 'agent', 'lockout-module', 'libcertgate-test-lockout-pkcs11.so');
const lockoutDir = fs.mkdtempSync('/tmp/certgate-e2e-lockout-');
const lockoutState = path.join(lockoutDir, 'state');
const lockout = suite({ env: { agentModule: lockoutModule, agentEnv: { CERTGATE_LOCKOUT_STATE: lockoutState } } });

/// The test double's counters for a token: { wrong, logins }.
function counters(label) {
  const line = fs.readFileSync(lockoutState, 'utf8').split('\n').find((l) => l.endsWith(` ${label}`));
  const [wrong, logins] = line.split(' ').map(Number);
  return { wrong, logins };
}

describe('PIN counter: count low, final try, locked', () => {
  before(async () => {
    assert.ok(fs.existsSync(lockoutModule), `the lockout test double is built (${lockoutModule})`);
    await lockout.setup();
  });
  after(async () => {
    await lockout.teardown();
    fs.rmSync(lockoutDir, { recursive: true, force: true });
  });

  lockout.test('three wrong PINs: tries-left, final-try and locked messages, then the card is refused before any PIN', async (page) => {
    await lockout.goto(page, '/flow.html?type=query-serial');
    const pinLabel = '自然人憑證IC卡密碼（PIN碼）';
    await cardStep(page, { card: 'moica-wu', fields: { 身分證統一編號: 'K229503715' }, pin: '111111' });
    assert.match(await fieldError(page, pinLabel), /^PIN 碼錯誤，請確認後重新輸入/);
    await page.getByText('注意：此IC卡的 PIN 碼曾輸入錯誤，剩餘嘗試次數不多').waitFor();

    await cardStep(page, { card: 'moica-wu', fields: { 身分證統一編號: 'K229503715' }, pin: '222222' });
    assert.match(await fieldError(page, pinLabel), /僅剩最後一次機會/);
    await page.getByText('注意：此IC卡的 PIN 碼只剩最後一次輸入機會，再輸入錯誤卡片將被鎖住').waitFor();
    await screenshot(page, '27-pin-final-try');

    await cardStep(page, { card: 'moica-wu', fields: { 身分證統一編號: 'K229503715' }, pin: '333333' });
    assert.match(await fieldError(page, pinLabel), /卡片已鎖定/);
    await page.locator('.token-flags').getByText('此IC卡已鎖住（PIN 碼連續輸入錯誤三次），請洽發卡單位辦理解鎖。').waitFor();
    await screenshot(page, '28-pin-locked');

    // A locked card is refused by the page itself: no PIN attempt is spent.
    await cardStep(page, { card: 'moica-wu', fields: { 身分證統一編號: 'K229503715' } });
    assert.match(await page.locator('.error-summary').innerText(), /此IC卡已鎖住/);
    assert.deepEqual(counters('moica-wu'), { wrong: 3, logins: 3 }, 'one login per PIN typed, none after the lock');
  });
});
