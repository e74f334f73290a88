// The ops staff's pages (SPEC §3.6): sign-in with the staff member's citizen card on the
// allow-list (and a refusal for a card that is not), agency search and CSV import with a dry
// run and a line-by-line report, registrations and one agency's details, the audit log with the
// chain check, CA plugins with their anchors' expiry, health, staff. (Approving a review is in
// registration.test.mjs, where the review comes from.)
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, mainText, mainTextMatching, cards, registerAgency, authoriseOperators, restFlow } from './lib/portal.mjs';

const s = suite();

async function signIn(page, card = 'moica-lee') {
  await s.goto(page, '/admin/');
  await expectHeading(page, '管理人員登入', { level: 1 });
  await cardStep(page, { card });
}

describe('admin pages', () => {
  before(async () => {
    await s.setup();
    await registerAgency(s.env);
    await authoriseOperators(s.env, [{ card: 'moica-huang', functions: ['coverage'] }]);
  });
  after(s.teardown);

  s.test('a citizen card that is not on the staff list is refused', async (page) => {
    await signIn(page, 'moica-wang');
    await page.locator('.error-summary').waitFor();
    assert.match(await page.locator('.error-summary').innerText(), /此自然人憑證未列入管理人員名單/);
  });

  s.test('a review is rejected with a note; the agency sees the outcome in its receipts', async (page) => {
    const flow = await restFlow(s.env, 'first-registration');
    await flow.post('/terms', { accepted: true });
    const mismatch = await flow.card('organisation', '/organisation-card', 'gca-mofa', { agencyCode: 'E0001' });
    assert.equal(mismatch.json.error, 'OID_MISMATCH');
    const applied = await flow.post('/review-application', { applicantName: '陳承辦', applicantPhone: '06-2345678' });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));

    await signIn(page);
    const card = page.locator('article.review-card[data-agency="E0001"]');
    await card.waitFor();
    await card.getByRole('button', { name: '駁回' }).click();
    const noteError = card.locator('[data-field="note"] .field-error');
    await noteError.waitFor();
    assert.equal(await noteError.innerText(), '駁回案件請填寫審核說明。');
    await card.getByLabel('審核說明').fill('憑證非該機關所有,已電話通知申請人。');
    await card.getByRole('button', { name: '駁回' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '駁回' }).click();
    await page.getByText('已駁回。').waitFor();
    const decided = await page.locator('article.review-card[data-agency="E0001"]').innerText();
    assert.match(decided, /已駁回/);
    assert.match(decided, /憑證非該機關所有/);
    assert.ok(!decided.includes('生效日期'), 'a rejection has no effective date');

    await s.goto(page, '/receipts.html');
    await page.getByLabel('機關代號（五碼）').fill('E0001');
    await page.getByRole('button', { name: '查詢' }).click();
    await expectHeading(page, '查詢結果');
    assert.match(await mainText(page), /申請資料比對不符審核\s+審核不通過/);

    await s.goto(page, '/admin/');
    await page.getByRole('button', { name: '登出' }).click();
    await expectHeading(page, '管理人員登入', { level: 1 });
  });

  s.test('staff sign in with their card and work through the sections', async (page) => {
    await signIn(page);
    await expectHeading(page, '審核案件', { level: 1 });
    assert.ok((await page.locator('.site-header').innerText()).includes('李國華（系統管理者）'));

    // Agencies: search.
    await page.getByRole('link', { name: '要保機關資料' }).click();
    await expectHeading(page, '要保機關資料', { level: 1 });
    await page.getByLabel('查詢機關').fill('醫院');
    await page.getByRole('button', { name: '查詢', exact: true }).click();
    await page.getByText('共 1 筆').waitFor();
    assert.match(await mainText(page), /D0001\s+臺北測試綜合醫院\s+臺北市\s+hca\s+1137010024/);

    // CSV import: a dry run with a bad line writes nothing and reports the line.
    const csv = page.getByLabel('CSV 內容');
    await csv.fill('code,name,region,expected_ca,expected_identifier\nF0001,新測試機關,高雄市,gca,2.16.886.101.20003.20100\nbad,,臺北市,nosuchca,x\n');
    await page.getByRole('button', { name: '試算' }).click();
    await page.getByText(/試算發現 \d+ 個問題，未寫入任何資料/).waitFor();
    assert.match(await page.locator('.import-report').innerText(), /\n3\t/, 'the problem names line 3');
    assert.ok(await page.getByRole('button', { name: '匯入', exact: true }).isDisabled(), 'no import before a clean dry run');
    await screenshot(page, '29-admin-import-problems');
    await csv.fill('code,name,region,expected_ca,expected_identifier\nF0001,新測試機關,高雄市,gca,2.16.886.101.20003.20100\n');
    await page.getByRole('button', { name: '試算' }).click();
    await page.getByText('試算通過：共 1 列，新增 1、更新 0、不變 0。可按「匯入」寫入。').waitFor();
    await page.getByRole('button', { name: '匯入', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: '匯入' }).click();
    await page.getByText('已匯入：共 1 列，新增 1、更新 0、不變 0。').waitFor();
    await page.getByLabel('查詢機關').fill('F0001');
    await page.getByRole('button', { name: '查詢', exact: true }).click();
    await page.getByText('共 1 筆').waitFor();
    assert.match(await mainText(page), /F0001\s+新測試機關/);

    // Registrations, then one agency: registration, operators (masked ID), receipts.
    await page.getByRole('link', { name: '註冊資料' }).click();
    await expectHeading(page, '註冊資料', { level: 1 });
    await mainTextMatching(page, /A0001\s+內政部/);
    await page.getByRole('link', { name: 'A0001' }).click();
    await expectHeading(page, '要保機關 A0001', { level: 1 });
    await page.getByText('黃淑芬').waitFor();
    const agency = await mainText(page);
    assert.ok(agency.includes(cards['gca-moi'].serial));
    assert.ok(agency.includes(cards['moica-huang'].serial));
    assert.match(agency, /承保資料查詢/);
    assert.ok(!agency.includes('F227190583') && !agency.includes('A120315781'), 'national IDs are masked');
    assert.match(agency, /首次註冊\s+已完成/);
    await screenshot(page, '30-admin-agency');

    // Audit log and its chain.
    await page.getByRole('link', { name: '稽核紀錄' }).click();
    await expectHeading(page, '稽核紀錄', { level: 1 });
    await mainTextMatching(page, /registration\.first-registration/);
    assert.match(await mainText(page), /staff:\S+\s+agency\.import|agency\.import/);
    await page.getByRole('button', { name: '驗證雜湊鏈' }).click();
    await page.getByText(/雜湊鏈完整：已驗證 \d+ 筆紀錄。/).waitFor();
    await screenshot(page, '31-admin-audit');

    // CA plugins with their profiles and the anchors' expiry.
    await page.getByRole('link', { name: '憑證管理中心外掛' }).click();
    await expectHeading(page, '憑證管理中心外掛', { level: 1 });
    for (const id of ['gca', 'xca', 'moeaca', 'hca', 'moica']) {
      const plugin = page.locator(`section.plugin[data-plugin="${id}"]`);
      await plugin.waitFor();
      const text = await plugin.innerText();
      assert.match(text, /已載入/);
      assert.match(text, /信任錨\s+.*\s+[0-9A-F]+\s+\d{4}-\d{2}-\d{2}/);
      assert.match(text, /此設定目前可受理卡片。/);
    }
    await screenshot(page, '32-admin-plugins');
    // An admin takes up the CA profiles on disk without a restart.
    await page.getByRole('button', { name: '重新載入憑證管理中心設定' }).click();
    await page.getByText('已重新載入憑證管理中心設定。').waitFor();

    // Health and staff.
    await page.getByRole('link', { name: '系統狀態' }).click();
    await expectHeading(page, '系統狀態', { level: 1 });
    await mainTextMatching(page, /資料庫\s+正常/);
    assert.match(await mainText(page), /資料庫類型\s+sqlite3/);
    await page.getByRole('link', { name: '管理人員' }).click();
    await expectHeading(page, '管理人員', { level: 1 });
    await mainTextMatching(page, new RegExp(cards['moica-lee'].serial));
    // Add a reviewer, then take them off the list again (never oneself: no button on one's row).
    await page.getByLabel('姓名：').fill(cards['moica-huang'].name);
    await page.getByLabel('憑證序號：').fill(cards['moica-huang'].serial);
    await page.getByRole('button', { name: '新增', exact: true }).click();
    const row = page.locator('tr', { hasText: cards['moica-huang'].serial });
    await row.getByRole('button', { name: '停用' }).waitFor();
    assert.equal(await page.locator('tr', { hasText: cards['moica-lee'].serial }).getByRole('button', { name: '停用' }).count(), 0);
    await row.getByRole('button', { name: '停用' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '停用' }).click();
    // The state reads 停用 like the button did: wait for the button to go, then for the state.
    await row.getByRole('button', { name: '停用' }).waitFor({ state: 'detached' });
    await row.getByText('停用', { exact: true }).waitFor();
    assert.equal(await row.getByRole('button').count(), 0);

    // Sign out: the admin API no longer answers this browser.
    await page.getByRole('button', { name: '登出' }).click();
    await expectHeading(page, '管理人員登入', { level: 1 });
    const status = await page.evaluate(async () => (await fetch('/admin/api/v1/me')).status);
    assert.equal(status, 401);
  });
});
