// HiPKI Local Server as the second signer (issue 15 items 2 and 4), in Chromium against the
// HiPKI TEST DOUBLE (tests/support/hipki: its popupForm bridge, /sign and /pkcs11info signing
// on the SoftHSM2 test cards): a PC with HiPKI and no certgate-agent registers an agency and
// signs an operator (and a staff member) in; HiPKI's answers become the portal's own messages
// (wrong PIN with the tries left, final try, locked card on the double's PIN counter; no
// reader, no card; the site not in HiPKI's domain list, and addDomain); and on a PC with both,
// the agent is used and the person may switch to HiPKI.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { screenshot, portalHost } from './lib/harness.mjs';
import { suite, cardStep, hipkiCardStep, hipkiReadCards, expectHeading, fieldError, mainText, waitForCards, cards, authoriseOperators } from './lib/portal.mjs';

const s = suite({ env: { agent: false, hipki: { card: 'gca-moi' } } });
const PIN_LABEL = '自然人憑證IC卡密碼（PIN碼）';

/// The signer bar names HiPKI and the page says it fell back to it.
async function expectHipkiInUse(page, { fallback = true } = {}) {
  const bar = page.locator('.signer-bar[data-signer="hipki"]');
  await bar.waitFor();
  assert.match(await bar.innerText(), /HiPKI 跨平台網頁元件（內政部）/);
  if (fallback) assert.match(await page.locator('.hipki-ok').innerText(), /偵測不到 certgate 憑證讀卡服務/);
}

describe('HiPKI Local Server as the second signer', () => {
  before(s.setup);
  after(s.teardown);

  s.test('first registration with HiPKI alone: both cards signed through its popup', async (page) => {
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await expectHeading(page, '機關憑證確認畫面');
    await expectHipkiInUse(page);
    await screenshot(page, '40-hipki-found');
    await hipkiReadCards(page);
    await screenshot(page, '41-hipki-cards');
    await hipkiCardStep(page, { card: 'gca-moi', read: false, fields: { '機關代號（五碼）': 'A0001' } });

    await expectHeading(page, '自然人憑證確認畫面');
    // The clerk takes the organisation card out and puts the manager's in.
    await s.env.startHipki({ card: 'moica-wang' });
    await expectHipkiInUse(page);
    await hipkiCardStep(page, { card: 'moica-wang', fields: { 授權管理者身分證統一編號: 'A120315781' } });

    await expectHeading(page, '首次註冊資訊確認');
    const confirm = await mainText(page);
    for (const shown of [cards['gca-moi'].serial, cards['moica-wang'].serial, '王大明']) assert.ok(confirm.includes(shown), `confirm page shows ${shown}`);
    await page.getByLabel('電子信箱').fill('wang@moi.gov.tw');
    await page.getByLabel('連絡電話').fill('(02)23456789');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await expectHeading(page, '首次註冊成功');
    assert.ok((await mainText(page)).includes('內政部（A0001）已完成憑證註冊'));
    await screenshot(page, '42-hipki-registered');
  });

  s.test('operator login with HiPKI alone', async (page) => {
    // The manager authorises the operator (over REST, with the agent for this setup only).
    await s.env.startAgent();
    try {
      await authoriseOperators(s.env, [{ card: 'moica-chen', functions: ['enrolment'] }]);
    } finally {
      await s.env.stopAgent();
    }
    await s.env.startHipki({ card: 'moica-chen' });
    await s.goto(page, '/flow.html?type=operator-login');
    await expectHipkiInUse(page);
    await hipkiCardStep(page, { card: 'moica-chen' });
    await expectHeading(page, '要保機關作業登入');
    assert.match(await mainText(page), /陳志強 您好，您已登入要保機關作業/);
  });

  s.test('wrong PINs count down: tries left, final try, then the card is locked', async (page) => {
    await s.env.startHipki({ card: 'moica-huang' });
    await s.goto(page, '/flow.html?type=query-serial');
    await expectHipkiInUse(page);
    await hipkiCardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'F227190583' }, pin: '000000' });
    assert.equal(await fieldError(page, PIN_LABEL), 'PIN 碼錯誤，尚有 2 次輸入機會；連續錯誤三次，卡片將被鎖定。');
    assert.equal(await page.locator('input[type="password"]').inputValue(), '', 'the PIN field is cleared after use');
    await screenshot(page, '43-hipki-wrong-pin');

    await hipkiCardStep(page, { card: 'moica-huang', read: false, pin: '000000' });
    await page.getByText('PIN 碼錯誤，只剩最後一次輸入機會').first().waitFor();
    assert.match(await fieldError(page, PIN_LABEL), /只剩最後一次輸入機會；再輸入錯誤，卡片將被鎖定/);

    await hipkiCardStep(page, { card: 'moica-huang', read: false, pin: '000000' });
    await page.getByText('此IC卡已鎖住').first().waitFor();
    assert.match(await page.locator('.error-summary').innerText(), /此IC卡已鎖住（PIN 碼連續輸入錯誤三次），請洽發卡單位辦理解鎖。/);
    await screenshot(page, '44-hipki-locked');
    // Locked is locked: the right PIN does not help.
    await hipkiCardStep(page, { card: 'moica-huang', read: false });
    await page.locator('.error-summary').getByText('此IC卡已鎖住').waitFor();
    assert.equal(await page.getByRole('heading', { name: '查詢自然人憑證序號結果' }).count(), 0);
  });

  s.test('a site HiPKI does not trust: the page says so and leads to addDomain', async (page) => {
    await s.env.startHipki({ card: 'moica-huang', allowDomains: ['localhost'] });
    await s.goto(page, '/flow.html?type=query-serial');
    await expectHipkiInUse(page);
    await page.getByRole('button', { name: '讀取IC卡', exact: true }).click();
    const problem = page.locator('.hipki-problem');
    await problem.waitFor();
    assert.match(await problem.innerText(), new RegExp(`HiPKI 跨平台網頁元件尚未信任本網站（${portalHost.replace(/\./g, '\\.')}）`));
    await screenshot(page, '45-hipki-site-not-trusted');
    const popupOpened = page.waitForEvent('popup');
    await problem.getByRole('button', { name: '將本網站加入 HiPKI 信任網站' }).click();
    const addDomain = await popupOpened;
    await addDomain.waitForLoadState();
    assert.equal(new URL(addDomain.url()).searchParams.get('domain'), portalHost);
    await addDomain.getByRole('button', { name: 'Add' }).click();
    await problem.getByText('已將本網站加入 HiPKI 信任網站').waitFor();
    await hipkiReadCards(page, { button: '重新讀取IC卡' });
    await hipkiCardStep(page, { card: 'moica-huang', read: false, fields: { 身分證統一編號: 'F227190583' } });
    await expectHeading(page, '查詢自然人憑證序號結果');
    assert.ok((await mainText(page)).includes(cards['moica-huang'].serial));
  });

  s.test('no reader, then an empty reader: what HiPKI answers, in the portal words', async (page) => {
    await s.env.startHipki({ reader: false });
    await s.goto(page, '/flow.html?type=query-serial');
    await expectHipkiInUse(page);
    await page.getByRole('button', { name: '讀取IC卡', exact: true }).click();
    const problem = page.locator('.hipki-problem');
    await problem.waitFor();
    assert.match(await problem.innerText(), /偵測不到讀卡機，請確認讀卡機已連接電腦/);
    assert.equal(await problem.getByRole('button', { name: '將本網站加入 HiPKI 信任網站' }).count(), 0, 'addDomain only for an untrusted site');

    await s.env.startHipki({}); // a reader, no card
    await hipkiReadCards(page, { button: '重新讀取IC卡' });
    assert.match(await page.locator('.agent-status, .card-picker').first().innerText(), /讀卡機中沒有IC卡/);
    assert.equal(await page.locator('.card-select select option:not([disabled])').count(), 1, 'only the "choose" line');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    assert.match(await page.locator('.error-summary').innerText(), /請選擇要使用的IC卡/);
  });

  s.test('staff sign in to the admin pages through HiPKI', async (page) => {
    await s.env.startHipki({ card: 'moica-lee' });
    await s.goto(page, '/admin/');
    await expectHeading(page, '管理人員登入', { level: 1 });
    await expectHipkiInUse(page);
    await hipkiCardStep(page, { card: 'moica-lee' });
    await expectHeading(page, '審核案件', { level: 1 });
    assert.ok((await page.locator('.site-header').innerText()).includes('李國華（系統管理者）'));
  });

  s.test('the help page says how to use HiPKI, at the address the deployment names', async (page) => {
    await s.goto(page, '/help.html');
    const section = page.locator('section#hipki');
    await section.waitFor();
    const text = await section.innerText();
    assert.match(text, /使用 HiPKI 跨平台網頁元件（內政部）/);
    assert.match(text, /將本網站加入 HiPKI 信任網站/);
    assert.ok(text.includes(s.env.hipkiUrl), `names ${s.env.hipkiUrl}: ${text}`);
  });

  s.test('a HiPKI that answers CORS is used directly, without its popup', async (page) => {
    await s.env.startHipki({ card: 'moica-huang', cors: true });
    let popups = 0;
    page.on('popup', () => {
      popups += 1;
    });
    const signedDirectly = page.waitForRequest((request) => request.method() === 'POST' && request.url() === `${s.env.hipkiUrl}/sign`);
    await s.goto(page, '/flow.html?type=query-serial');
    await expectHipkiInUse(page);
    await hipkiCardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'F227190583' } });
    await signedDirectly;
    await expectHeading(page, '查詢自然人憑證序號結果');
    assert.equal(popups, 0, 'no HiPKI window');
  });

  s.test('with both signers the agent is used, and the person may switch to HiPKI', async (page) => {
    await s.env.startAgent();
    await s.env.startHipki({ card: 'moica-huang' });
    await s.goto(page, '/flow.html?type=query-serial');
    await waitForCards(page);
    const bar = page.locator('.signer-bar');
    await bar.locator('[data-i18n="signer.agent"]').waitFor();
    const toHipki = bar.getByRole('button', { name: '改用 HiPKI 跨平台網頁元件' });
    await toHipki.waitFor();
    await screenshot(page, '46-both-signers');
    await toHipki.click();
    await expectHipkiInUse(page, { fallback: false });
    await hipkiCardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'F227190583' } });
    await expectHeading(page, '查詢自然人憑證序號結果');

    // The choice holds for the tab; and the agent is one click away.
    await s.goto(page, '/flow.html?type=query-serial');
    await expectHipkiInUse(page, { fallback: false });
    await page.locator('.signer-bar').getByRole('button', { name: '改用 certgate 憑證讀卡服務' }).click();
    await cardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'F227190583' } });
    await expectHeading(page, '查詢自然人憑證序號結果');
  });
});
