// The three queries (SPEC §3.4, manual 七): registration receipts by agency code; an
// organisation card's OID; a citizen card's serial — and the English switch, which persists
// and shows the server's English messages.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, mainText, cards, registerAgency, fieldError } from './lib/portal.mjs';

const s = suite();

describe('queries', () => {
  before(async () => {
    await s.setup();
    await registerAgency(s.env);
  });
  after(s.teardown);

  s.test('registration receipts by agency code', async (page) => {
    await s.goto(page, '/');
    await page.getByRole('navigation', { name: '功能列' }).getByRole('link', { name: '查詢憑證註冊收件紀錄' }).click();
    await expectHeading(page, '查詢憑證註冊收件紀錄', { level: 1 });
    await page.getByRole('button', { name: '查詢' }).click();
    assert.equal(await fieldError(page, '機關代號（五碼）'), '請輸入機關代號（五碼）');
    await page.getByLabel('機關代號（五碼）').fill('A00');
    await page.getByRole('button', { name: '查詢' }).click();
    assert.match(await fieldError(page, '機關代號（五碼）'), /機關代號格式錯誤/);
    await page.getByLabel('機關代號（五碼）').fill('Z9999');
    await page.getByRole('button', { name: '查詢' }).click();
    await page.locator('.error-summary').waitFor();
    assert.match(await fieldError(page, '機關代號（五碼）'), /查無此機關代號/);
    await page.getByLabel('機關代號（五碼）').fill('A0001');
    await page.getByRole('button', { name: '查詢' }).click();
    await expectHeading(page, '查詢結果');
    const text = await mainText(page);
    assert.match(text, /機關名稱\s+內政部/);
    assert.match(text, /R\d{13}\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}\s+首次註冊\s+已完成/);
    assert.ok(!text.includes('王大明'), 'no personal data');
    await screenshot(page, '17-receipts');
  });

  s.test('an organisation card OID, without registration', async (page) => {
    await s.goto(page, '/flow.html?type=query-oid');
    await expectHeading(page, '機關憑證確認畫面');
    await cardStep(page, { card: 'xca-school', fields: { '機關代號（五碼）': 'B0001' } });
    await expectHeading(page, '查詢機關憑證 OID 結果');
    const text = await mainText(page);
    assert.match(text, /機關（組織）名稱\s+臺北市立建國高級中學/);
    assert.match(text, /機關憑證 OID\s+2\.16\.886\.111\.90005\.90003\.100004/);
    assert.match(text, /憑證管理中心\s+組織及團體憑證管理中心/);
    await screenshot(page, '18-query-oid');
  });

  s.test('a citizen card serial, with the national ID checked against the card', async (page) => {
    await s.goto(page, '/flow.html?type=query-serial');
    await expectHeading(page, '自然人憑證確認畫面');
    await cardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'A120315781' } });
    assert.match(await fieldError(page, '身分證統一編號'), /身分證統一編號有誤或與自然人憑證不符/);
    await cardStep(page, { card: 'moica-huang', fields: { 身分證統一編號: 'f227190583' } });
    await expectHeading(page, '查詢自然人憑證序號結果');
    const text = await mainText(page);
    assert.match(text, /姓名\s+黃淑芬/);
    assert.ok(text.includes(cards['moica-huang'].serial));
    await screenshot(page, '19-query-serial');
  });

  s.test('a card of the wrong kind is refused with its own message', async (page) => {
    await s.goto(page, '/flow.html?type=query-serial');
    await cardStep(page, { card: 'gca-moi', fields: { 身分證統一編號: 'A120315781' } });
    await page.locator('.error-summary').waitFor();
    assert.match(await page.locator('.error-summary').innerText(), /卡片種類不符/);
  });

  s.test('English: the switch persists across pages and shows the server English messages', async (page) => {
    await s.goto(page, '/');
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-Hant');
    await page.getByRole('button', { name: 'Switch to English' }).click();
    await expectHeading(page, 'Home', { level: 1 });
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    await page.getByRole('link', { name: 'Registration receipts' }).first().click();
    await expectHeading(page, 'Registration receipts', { level: 1 });
    await page.getByLabel('Agency code (5 characters)').fill('Z9999');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await fieldError(page, 'Agency code (5 characters)'), 'No agency has this code. Check it and try again, or contact the bureau.');
    await screenshot(page, '20-english-error');
    // Switching back re-renders the same error in zh-TW without a reload.
    await page.getByRole('button', { name: '切換為中文' }).click();
    assert.match(await fieldError(page, '機關代號（五碼）'), /查無此機關代號/);
    assert.equal(await page.getByLabel('機關代號（五碼）').inputValue(), 'Z9999', 'the form keeps its input');
  });

  s.test('the help page lists where agencies and people apply for cards, from the CA profiles', async (page) => {
    await s.goto(page, '/');
    await page.getByRole('navigation', { name: '功能列' }).getByRole('link', { name: '憑證申請說明' }).click();
    await expectHeading(page, '二、申請機關憑證');
    const text = await mainText(page);
    for (const [ca, site, phone] of [
      ['政府憑證管理中心', 'http://gca.nat.gov.tw', '02-2192-7111'],
      ['組織及團體憑證管理中心', 'http://xca.nat.gov.tw', '02-2192-7111'],
      ['經濟部工商憑證管理中心', 'http://moeaca.nat.gov.tw', '412-1166'],
      ['醫事憑證管理中心', 'http://hca.nat.gov.tw', '0800-364-422'],
      ['內政部憑證管理中心', 'http://moica.nat.gov.tw', '0800-080-117'],
    ]) {
      const entry = page.locator('li.ca-entry', { hasText: ca });
      const entryText = await entry.innerText();
      assert.ok(entryText.includes(site) && entryText.includes(phone), `${ca}: ${entryText}`);
    }
    assert.match(text, /三、申請自然人憑證/);
    assert.match(text, /本機網路存取/);
    assert.equal(await page.locator('#hipki').count(), 0, 'no HiPKI help where the deployment does not accept it');
    await screenshot(page, '33-help');
  });

  s.test('keyboard: every input has a label, and the steps can be done without a mouse', async (page) => {
    await s.goto(page, '/flow.html?type=query-serial');
    await page.locator('.agent-ok').waitFor();
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')].filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabelled, []);
    await page.locator('.card-select select').focus();
    await page.locator('.card-select select').selectOption(cards['moica-chen'].token);
    await page.keyboard.press('Tab'); // 重新讀取卡片
    await page.keyboard.press('Tab');
    await page.keyboard.type('H108362943');
    await page.keyboard.press('Tab');
    await page.keyboard.type('123456');
    await page.keyboard.press('Enter');
    await expectHeading(page, '查詢自然人憑證序號結果');
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H2', 'focus moves to the new step');
  });
});
