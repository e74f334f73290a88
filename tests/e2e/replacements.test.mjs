// The three replacements (SPEC §3.3, manual 六): each starts with the terms, checks the cards,
// shows both certificates, asks for the manager's contact, and ends with the result; the cards
// replaced are refused afterwards.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { adminClient, screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, mainText, cards, registerAgency } from './lib/portal.mjs';

const s = suite();

async function replace(page, { type, org, manager, confirmTitle, resultTitle, contact = {}, shot }) {
  await s.goto(page, `/flow.html?type=${type}`);
  await expectHeading(page, '用戶約定條款');
  await page.getByRole('button', { name: '同意條款內容' }).click();
  await expectHeading(page, '機關憑證確認畫面');
  await cardStep(page, { card: org, fields: { '機關代號（五碼）': 'A0001' } });
  await expectHeading(page, '自然人憑證確認畫面');
  await cardStep(page, { card: manager, fields: { 授權管理者身分證統一編號: cards[manager].nationalId } });
  await expectHeading(page, confirmTitle);
  const text = await mainText(page);
  assert.ok(text.includes(cards[org].serial), 'shows the organisation certificate');
  assert.ok(text.includes(cards[manager].serial), 'shows the manager certificate');
  for (const [label, value] of Object.entries(contact)) await page.getByLabel(label).fill(value);
  if (shot) await screenshot(page, shot);
  await page.getByRole('button', { name: '確認', exact: true }).click();
  await expectHeading(page, resultTitle);
}

describe('replace certificates', () => {
  before(async () => {
    await s.setup();
    await registerAgency(s.env);
  });
  after(s.teardown);

  s.test('replace the organisation certificate: new organisation card, current manager card', async (page) => {
    await replace(page, {
      type: 'replace-organisation',
      org: 'gca-moi-renewed',
      manager: 'moica-wang',
      confirmTitle: '更換機關憑證資訊確認',
      resultTitle: '更換機關憑證成功',
      shot: '14-replace-organisation-confirm',
    });
    // The manager's contact on file was offered for confirmation (manual 圖3-26).
    const admin = await adminClient(s.env);
    const { registration } = await admin.get('/agencies/A0001/registration');
    assert.equal(registration.organisation.serial, cards['gca-moi-renewed'].serial);
    assert.equal(registration.manager.email, 'manager@agency.gov.tw');
  });

  s.test('replace the manager certificate: current organisation card, new manager (another person)', async (page) => {
    await replace(page, {
      type: 'replace-manager',
      org: 'gca-moi-renewed',
      manager: 'moica-lin',
      confirmTitle: '更換授權管理者自然人憑證資訊確認',
      resultTitle: '更換授權管理者自然人憑證成功',
      contact: { 電子信箱: 'lin@moi.gov.tw', 連絡電話: '(02)23565000' },
    });
    const admin = await adminClient(s.env);
    const { registration } = await admin.get('/agencies/A0001/registration');
    assert.equal(registration.manager.serial, cards['moica-lin'].serial);
    assert.equal(registration.manager.name, '林小美');
    assert.equal(registration.manager.email, 'lin@moi.gov.tw');
  });

  s.test('replace both: new organisation card and new manager card', async (page) => {
    await replace(page, {
      type: 'replace-both',
      org: 'gca-moi',
      manager: 'moica-wang',
      confirmTitle: '更換機關憑證資訊和授權管理者自然人憑證資訊確認',
      resultTitle: '更換機關憑證和更換授權管理者自然人憑證成功',
      contact: { 電子信箱: 'wang@moi.gov.tw', 連絡電話: '(02)23565001', 分機: '88' },
      shot: '15-replace-both-confirm',
    });
    assert.match(await mainText(page), /收件編號/);
    await screenshot(page, '16-replace-both-result');
  });

  s.test('the replaced cards are refused afterwards', async (page) => {
    await s.goto(page, '/flow.html?type=replace-manager');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-moi-renewed', fields: { '機關代號（五碼）': 'A0001' } });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /此卡片非貴機關註冊之憑證；若憑證已展期或換卡/);

    await s.goto(page, '/receipts.html');
    await page.getByLabel('機關代號（五碼）').fill('a0001');
    await page.getByRole('button', { name: '查詢' }).click();
    await expectHeading(page, '查詢結果');
    const text = await mainText(page);
    for (const item of ['首次註冊', '更換機關憑證', '更換授權管理者自然人憑證', '更換機關憑證和授權管理者自然人憑證']) assert.ok(text.includes(item), item);
  });
});
