// Operator login, 回要保機關作業 (SPEC §3.5): the citizen card → the agencies that authorised
// its serial and the functions granted; a renewed card not yet on file gets told to ask the
// manager; once the manager updates the serial, the renewed card signs in.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, mainText, cards, registerAgency, authoriseOperators } from './lib/portal.mjs';

const s = suite();
let operatorFlow = null;

describe('operator login', () => {
  before(async () => {
    await s.setup();
    await registerAgency(s.env);
    operatorFlow = await authoriseOperators(s.env, [{ card: 'moica-chen', functions: ['enrolment', 'benefits'] }]);
  });
  after(s.teardown);

  s.test('an authorised operator sees the agency and the functions granted', async (page) => {
    await s.goto(page, '/');
    await page.getByRole('navigation', { name: '功能列' }).getByRole('link', { name: '回要保機關作業' }).click();
    await expectHeading(page, '自然人憑證確認畫面');
    await cardStep(page, { card: 'moica-chen' });
    await expectHeading(page, '要保機關作業登入');
    const text = await mainText(page);
    assert.match(text, /陳志強 您好，您已登入要保機關作業/);
    assert.match(text, /A0001\s+內政部\s+加保作業\s*給付申請/);
    await screenshot(page, '21-operator-login');
  });

  s.test('a renewed card not yet on file is told to ask the manager to update the serial', async (page) => {
    await s.goto(page, '/flow.html?type=operator-login');
    await cardStep(page, { card: 'moica-chen-renewed' });
    const summary = page.locator('.error-summary');
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /此卡片非貴機關註冊之憑證/);
    assert.match(text, /請洽貴機關授權管理者於「授權指派」修改您的憑證序號後，再重新登入/);
    await screenshot(page, '22-operator-login-renewed-card');
  });

  s.test('after the manager updates the serial the renewed card signs in', async (page) => {
    const op = operatorFlow.view.operators.find((o) => o.serial === cards['moica-chen'].serial);
    const r = await operatorFlow.post(`/operators/${op.id}`, { serial: cards['moica-chen-renewed'].serial, name: '陳志強', nationalId: 'H108362943', functions: ['enrolment'] }, 'PUT');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await s.goto(page, '/flow.html?type=operator-login');
    await cardStep(page, { card: 'moica-chen-renewed' });
    await expectHeading(page, '要保機關作業登入');
    assert.match(await mainText(page), /A0001\s+內政部\s+加保作業/);
  });
});
