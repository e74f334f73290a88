// First registration (SPEC §3.1, manual 四): terms → organisation card → manager card →
// details → result; and the identifier-mismatch path: review application → pending message with
// the section's contact → an admin approves in the admin pages (effective next business day) →
// still pending until then → the server's clock jumps to the next business day → registering
// succeeds and the presented identifier becomes the agency's.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { adminClient, screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, mainText, cards } from './lib/portal.mjs';

const s = suite();

describe('first registration', () => {
  before(s.setup);
  after(s.teardown);

  s.test('an agency registers its organisation card and its manager citizen card', async (page) => {
    await s.goto(page, '/');
    await expectHeading(page, '首頁', { level: 1 });
    assert.match(await mainText(page), /提供註冊作業畫面，先進行機關憑證相關資料之登錄/);
    await screenshot(page, '01-home');
    await page.getByRole('link', { name: '首次註冊' }).first().click();

    await expectHeading(page, '用戶約定條款');
    await screenshot(page, '02-terms');
    await page.getByRole('button', { name: '同意條款內容' }).click();

    await expectHeading(page, '機關憑證確認畫面');
    const text = await mainText(page);
    assert.match(text, /※請先確認IC卡已完成開卡程序。/);
    assert.match(text, /IC卡PIN碼（即密碼）輸入三次以上錯誤，卡片將被鎖住/);
    assert.match(text, /\*為必填欄位。/);
    await page.locator('.agent-ok').waitFor();
    await screenshot(page, '03-organisation-card');
    await cardStep(page, { card: 'gca-moi', fields: { '機關代號（五碼）': 'A0001' } });

    await expectHeading(page, '自然人憑證確認畫面');
    assert.match(await mainText(page), /機關代號：A0001 內政部/);
    assert.equal(await page.locator('input[type="password"]').inputValue(), '', 'the PIN field starts empty');
    await cardStep(page, { card: 'moica-wang', fields: { 授權管理者身分證統一編號: 'A120315781' } });

    await expectHeading(page, '首次註冊資訊確認');
    const confirm = await mainText(page);
    for (const shown of ['機關（組織）憑證資訊', '授權管理者自然人憑證資訊', '2.16.886.101.20003.20001', cards['gca-moi'].serial, cards['moica-wang'].serial, '王大明', '政府憑證管理中心', '有效期間', '憑證簽發者']) {
      assert.ok(confirm.includes(shown), `confirm page shows ${shown}`);
    }
    assert.equal(await page.getByLabel('授權管理者姓名').inputValue(), '王大明', 'the name comes from the card');
    await page.getByLabel('電子信箱').fill('not-an-email');
    await page.getByLabel('連絡電話').fill('(02)23456789');
    await page.getByLabel('分機').fill('123');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    const emailError = page.locator('[data-field="email"] .field-error');
    await emailError.waitFor();
    assert.match(await emailError.innerText(), /電子信箱格式錯誤/);
    assert.equal(await page.getByLabel('電子信箱').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('電子信箱').fill('wang@moi.gov.tw');
    await screenshot(page, '04-confirm');
    await page.getByRole('button', { name: '確認', exact: true }).click();

    await expectHeading(page, '首次註冊成功');
    const result = await mainText(page);
    assert.ok(result.includes('內政部（A0001）已完成憑證註冊'), result);
    assert.match(result, /收件編號\s*R\d{13}/);
    await screenshot(page, '05-registered');

    const admin = await adminClient(s.env);
    const registration = await admin.get('/agencies/A0001/registration');
    assert.equal(registration.registration.organisation.serial, cards['gca-moi'].serial);
    assert.equal(registration.registration.manager.name, '王大明');
    assert.equal(registration.registration.manager.email, 'wang@moi.gov.tw');
    assert.match(registration.registration.manager.nationalId, /\*/, 'the national ID is masked');
  });

  s.test('registering again says the agency is registered and points to replacement', async (page) => {
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-moi', fields: { '機關代號（五碼）': 'A0001' } });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /貴機關已完成憑證註冊；如需更換憑證，請使用「更換憑證」功能/);
  });

  s.test('an unknown agency code is refused next to the agency code field', async (page) => {
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-moi', fields: { '機關代號（五碼）': 'Z9999' } });
    const error = page.locator('[data-field="agencyCode"] .field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /查無此機關代號/);
    assert.equal(await page.getByLabel('機關代號（五碼）').getAttribute('aria-invalid'), 'true');
  });

  let effectiveFrom = null;

  s.test('an identifier mismatch asks for the applicant and files a review', async (page) => {
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-mofa', fields: { '機關代號（五碼）': 'E0001' } });

    await expectHeading(page, '機關憑證註冊申請人確認畫面');
    assert.match(await mainText(page), /貴機關申請憑證註冊，因申請資料比對不符，需進行審核，請填聯絡資料/);
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await page.locator('.error-summary').waitFor();
    assert.match(await page.locator('.error-summary').innerText(), /請輸入姓名/);
    await page.getByLabel('姓名').fill('陳承辦');
    await page.getByLabel('電話').fill('(06)2345678');
    await screenshot(page, '06-mismatch-review');
    await page.getByRole('button', { name: '確認', exact: true }).click();

    await expectHeading(page, '申請資料審核中');
    const text = await mainText(page);
    assert.match(text, /申請資料審核中，若審核通過，於下一個營業日貴機關即可重新辦理註冊。若審核不通過，本部將與 貴機關聯絡。/);
    assert.match(text, /總機：\(02\)27013411/);
    assert.match(text, /（貴機關承辦單位）\s*承保第二科 分機 5353/, 'E0001 is in 臺南：section 2');
    await screenshot(page, '07-review-submitted');
  });

  s.test('while the review is pending every organisation step shows the pending message', async (page) => {
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-mofa', fields: { '機關代號（五碼）': 'E0001' } });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /申請資料審核中/);
    assert.match(text, /承保第二科 分機 5353/);
  });

  s.test('an admin approves the review in the admin pages; it takes effect on the next business day', async (page) => {
    await s.goto(page, '/admin/');
    await expectHeading(page, '管理人員登入', { level: 1 });
    await cardStep(page, { card: 'moica-lee' });
    await expectHeading(page, '審核案件', { level: 1 });
    const card = page.locator('article.review-card[data-agency="E0001"]');
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /陳承辦/);
    assert.match(text, /2\.16\.886\.101\.20003\.20002/, 'the identifier on the card');
    assert.match(text, /2\.16\.886\.101\.20003\.20099/, 'the identifier on file');
    await screenshot(page, '08-admin-review-pending');
    await card.getByLabel('審核說明').fill('電話向外交部南部辦公室查證,憑證無誤。');
    await card.getByRole('button', { name: '核准' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /確定核准機關 E0001 的申請/);
    await dialog.getByRole('button', { name: '核准' }).click();
    const decided = page.locator('article.review-card[data-agency="E0001"]');
    await decided.locator('.effective-from').waitFor();
    const decidedText = await decided.innerText();
    assert.match(decidedText, /已核准，自 \d{4}-\d{2}-\d{2} 起生效/);
    assert.match(decidedText, /審核人員\s+李國華/);
    assert.match(decidedText, /憑證管理中心\s+政府憑證管理中心/);
    await screenshot(page, '09-admin-review-approved');

    const admin = await adminClient(s.env);
    const reviews = await admin.get('/reviews?status=approved');
    assert.equal(reviews.reviews.length, 1);
    effectiveFrom = Date.parse(reviews.reviews[0].effectiveFrom) / 1000;
    assert.ok(effectiveFrom > Date.now() / 1000, 'effective in the future');
    const taipei = new Date((effectiveFrom + 8 * 3600) * 1000);
    assert.equal(taipei.getUTCHours(), 0, 'at 00:00 Asia/Taipei');
    assert.ok(![0, 6].includes(taipei.getUTCDay()), 'on a weekday');
  });

  s.test('before the next business day the agency still cannot register', async (page) => {
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-mofa', fields: { '機關代號（五碼）': 'E0001' } });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /貴機關之申請已審核通過，自 \d{4}-\d{2}-\d{2} 00:00（臺北時間）起即可重新辦理註冊/);
  });

  s.test('on the next business day the agency registers with the approved card', async (page) => {
    // The server's injectable clock (testing.clockOffsetFile): one minute past the start of
    // the next business day.
    s.env.setClockOffset(effectiveFrom - Date.now() / 1000 + 60);
    await s.goto(page, '/flow.html?type=first-registration');
    await page.getByRole('button', { name: '同意條款內容' }).click();
    await cardStep(page, { card: 'gca-mofa', fields: { '機關代號（五碼）': 'E0001' } });
    await expectHeading(page, '自然人憑證確認畫面');
    await cardStep(page, { card: 'moica-tsai', fields: { 授權管理者身分證統一編號: cards['moica-tsai'].nationalId } });
    await expectHeading(page, '首次註冊資訊確認');
    await page.getByLabel('電子信箱').fill('tsai@dgpa.gov.tw');
    await page.getByLabel('連絡電話').fill('06-2345678');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await expectHeading(page, '首次註冊成功');

    const admin = await adminClient(s.env);
    const agencies = await admin.get('/agencies?q=E0001');
    assert.equal(agencies.agencies[0].expectedIdentifier, '2.16.886.101.20003.20002', 'the approved identifier is now on file');

    await s.goto(page, '/receipts.html');
    await page.getByLabel('機關代號（五碼）').fill('E0001');
    await page.getByRole('button', { name: '查詢' }).click();
    await expectHeading(page, '查詢結果');
    const receipts = await mainText(page);
    assert.match(receipts, /申請資料比對不符審核\s*審核通過/);
    assert.match(receipts, /首次註冊\s*已完成/);
  });
});
