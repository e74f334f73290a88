// Authorisation (SPEC §3.2, manual 五): organisation card → manager card → operator list; add an
// operator by reading their card (no PIN) and one by typing the serial; the form's errors next
// to their fields; edit (a renewed card read in); delete after the confirmation dialog. The
// server's state is checked through the admin API.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { adminClient, screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, mainText, cards, registerAgency } from './lib/portal.mjs';

const s = suite();

async function openOperators(page) {
  await s.goto(page, '/flow.html?type=authorisation');
  await expectHeading(page, '機關憑證確認畫面');
  await cardStep(page, { card: 'gca-moi', fields: { '機關代號（五碼）': 'A0001' } });
  await expectHeading(page, '自然人憑證確認畫面');
  await cardStep(page, { card: 'moica-wang', fields: { 授權管理者身分證統一編號: 'A120315781' } });
  await expectHeading(page, '授權經辦人清單');
}

async function readCard(page, card) {
  const form = page.locator('.operator-form');
  await form.locator('.agent-ok').waitFor();
  await form.locator('.card-select select').selectOption(cards[card].token);
  await form.getByRole('button', { name: '讀取憑證' }).click();
  await form.getByText(`已讀取 ${cards[card].name} 的自然人憑證`).waitFor();
}

function row(page, name) {
  return page.locator('table.operator-list tbody tr', { hasText: name });
}

describe('authorisation', () => {
  before(async () => {
    await s.setup();
    await registerAgency(s.env);
  });
  after(s.teardown);

  s.test('the manager adds, edits and deletes operators', async (page) => {
    await openOperators(page);
    let text = await mainText(page);
    for (const shown of ['使用者資訊', '機關代號\tA0001', '機關名稱\t內政部', '授權管理者姓名\t王大明', '尚未授權任何經辦人']) {
      assert.ok(text.includes(shown), `operator list shows ${shown}`);
    }

    // Add: read the operator's card (serial and name filled in, no PIN).
    await page.getByRole('button', { name: '新增', exact: true }).click();
    await expectHeading(page, '新增授權經辦人');
    await readCard(page, 'moica-chen');
    assert.equal(await page.getByLabel('憑證序號（SN）').inputValue(), cards['moica-chen'].serial);
    assert.equal(await page.getByLabel('授權經辦人姓名').inputValue(), '陳志強');
    await page.getByLabel('身分證統一編號').fill('H108362943');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    const fnError = page.locator('fieldset.functions .field-error');
    await fnError.waitFor();
    assert.equal(await fnError.innerText(), '請至少勾選一項功能選單項目。');
    assert.equal(await page.locator('fieldset.functions').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('加保作業').check();
    await page.getByLabel('退保作業').check();
    await screenshot(page, '10-operator-add');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await expectHeading(page, '授權經辦人清單');
    await page.getByText('新增授權經辦人成功：陳志強。').waitFor();
    const chen = row(page, '陳志強');
    assert.match(await chen.innerText(), new RegExp(`${cards['moica-chen'].serial}\\s+陳志強\\s+H\\S*\\*+\\S*\\s+加保作業\\s*退保作業`));

    // Add: the serial typed by hand (lower case, with separators) — the server normalises it.
    await page.getByRole('button', { name: '新增', exact: true }).click();
    await expectHeading(page, '新增授權經辦人');
    const typed = cards['moica-huang'].serial.toLowerCase().match(/.{2}/g).join(':');
    await page.getByLabel('憑證序號（SN）').fill(typed);
    await page.getByLabel('授權經辦人姓名').fill('黃淑芬');
    await page.getByLabel('身分證統一編號').fill('F227190583');
    await page.getByLabel('給付申請').check();
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await page.getByText('新增授權經辦人成功：黃淑芬。').waitFor();
    assert.match(await row(page, '黃淑芬').innerText(), new RegExp(cards['moica-huang'].serial));

    // A serial already authorised: the server's refusal next to the serial field.
    await page.getByRole('button', { name: '新增', exact: true }).click();
    await page.getByLabel('憑證序號（SN）').fill(cards['moica-huang'].serial);
    await page.getByLabel('授權經辦人姓名').fill('黃淑芬');
    await page.getByLabel('身分證統一編號').fill('F227190583');
    await page.getByLabel('承保資料查詢').check();
    await page.getByRole('button', { name: '確認', exact: true }).click();
    const serialError = page.locator('[data-field="serial"] .field-error');
    await serialError.waitFor();
    assert.equal(await serialError.innerText(), '此憑證序號已授權給本機關的經辦人，請勿重複新增。');
    assert.equal(await page.getByLabel('憑證序號（SN）').getAttribute('aria-invalid'), 'true');
    await page.getByRole('button', { name: '取消' }).click();
    await expectHeading(page, '授權經辦人清單');

    // Edit: the operator's renewed card is read in; every field is required again.
    await row(page, '陳志強').getByRole('button', { name: '修改經辦人 陳志強' }).click();
    await expectHeading(page, '修改授權經辦人');
    assert.equal(await page.getByLabel('憑證序號（SN）').inputValue(), cards['moica-chen'].serial);
    assert.equal(await page.getByLabel('身分證統一編號').inputValue(), '', 'the full national ID is never sent to the page');
    assert.ok(await page.getByLabel('加保作業').isChecked());
    await readCard(page, 'moica-chen-renewed');
    assert.equal(await page.getByLabel('憑證序號（SN）').inputValue(), cards['moica-chen-renewed'].serial);
    await page.getByRole('button', { name: '確認', exact: true }).click();
    const idError = page.locator('[data-field="nationalId"] .field-error');
    await idError.waitFor();
    assert.match(await idError.innerText(), /請輸入身分證統一編號/);
    await page.getByLabel('身分證統一編號').fill('H108362943');
    await page.getByLabel('退保作業').uncheck();
    await page.getByLabel('報表下載').check();
    await screenshot(page, '11-operator-edit');
    await page.getByRole('button', { name: '確認', exact: true }).click();
    await page.getByText('修改授權經辦人成功：陳志強。').waitFor();
    text = await row(page, '陳志強').innerText();
    assert.ok(text.includes(cards['moica-chen-renewed'].serial), text);
    assert.match(text, /加保作業\s*報表下載/);

    // Delete, after the confirmation dialog (cancel first: nothing happens).
    await row(page, '黃淑芬').getByRole('button', { name: '刪除經辦人 黃淑芬' }).click();
    let dialog = page.getByRole('dialog', { name: '刪除授權經辦人' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), new RegExp(`確定刪除授權經辦人 黃淑芬（憑證序號 ${cards['moica-huang'].serial}）`));
    await screenshot(page, '12-operator-delete-dialog');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await row(page, '黃淑芬').count(), 1);
    await row(page, '黃淑芬').getByRole('button', { name: '刪除經辦人 黃淑芬' }).click();
    dialog = page.getByRole('dialog', { name: '刪除授權經辦人' });
    await dialog.getByRole('button', { name: '確定刪除' }).click();
    await page.getByText('刪除授權經辦人成功：黃淑芬。').waitFor();
    assert.equal(await row(page, '黃淑芬').count(), 0);
    await screenshot(page, '13-operator-list');

    const admin = await adminClient(s.env);
    const { operators } = await admin.get('/agencies/A0001/operators');
    assert.equal(operators.length, 1);
    assert.equal(operators[0].serial, cards['moica-chen-renewed'].serial);
    assert.deepEqual([...operators[0].functions].sort(), ['enrolment', 'reports']);
    assert.equal(operators[0].issuer, cards['moica-chen-renewed'].issuer);
  });

  s.test('a card that is not the registered organisation card is refused', async (page) => {
    await s.goto(page, '/flow.html?type=authorisation');
    await cardStep(page, { card: 'gca-moi-renewed', fields: { '機關代號（五碼）': 'A0001' } });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /此卡片非貴機關註冊之憑證/);
  });

  s.test('the manager card must be the registered manager', async (page) => {
    await s.goto(page, '/flow.html?type=authorisation');
    await cardStep(page, { card: 'gca-moi', fields: { '機關代號（五碼）': 'A0001' } });
    await expectHeading(page, '自然人憑證確認畫面');
    await cardStep(page, { card: 'moica-lin', fields: { 授權管理者身分證統一編號: 'B225041636' } });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /此卡片非貴機關註冊之憑證/);
  });
});
