// The admin dashboard (issue 16 item 4): card verifications of the last hour and day, accepted
// per CA and refused per error code, drawn by uPlot from /vendor/ (no CDN, no CSP violation),
// with tables of the same numbers; CA profile health; pending reviews. The numbers the page
// draws are the numbers GET /admin/api/v1/dashboard answers.
import assert from 'node:assert/strict';
import { describe, before, after } from 'node:test';
import { adminClient, screenshot } from './lib/harness.mjs';
import { suite, cardStep, expectHeading, registerAgency, restFlow, cards } from './lib/portal.mjs';

const s = suite();

/// What one series holds as {bucket start (Unix seconds): count}, zero buckets left out.
function nonZero(starts, counts) {
  const out = {};
  starts.forEach((start, i) => {
    if (counts[i]) out[start] = counts[i];
  });
  return out;
}

function apiSeries(window, list, key) {
  const starts = window.buckets.map((iso) => Date.parse(iso) / 1000);
  return Object.fromEntries(list.map((series) => [series[key], nonZero(starts, series.counts)]));
}

/// The data of the uPlot chart in figure[data-chart=kind], the same way, keyed by the series'
/// position; null when no chart was drawn.
async function chartSeries(page, kind) {
  return page.locator(`figure[data-chart="${kind}"]`).evaluate((figure) => {
    if (!figure.uplot) return null;
    const [xs, ...series] = figure.uplot.data;
    return series.map((counts) => Object.fromEntries(xs.map((x, i) => [x, counts[i]]).filter(([, c]) => c)));
  });
}

async function expectPageMatches(page, window) {
  const accepted = apiSeries(window, window.acceptedByCa, 'ca');
  const refused = apiSeries(window, window.refusedByResult, 'result');
  assert.deepEqual(await chartSeries(page, 'accepted'), Object.values(accepted));
  assert.deepEqual(await chartSeries(page, 'refused'), Object.values(refused));
  const totals = page.locator('.dashboard-totals');
  assert.equal(await totals.getAttribute('data-accepted'), String(window.accepted));
  assert.equal(await totals.getAttribute('data-refused'), String(window.refused));
  for (const c of window.byCa) {
    const row = page.locator(`figure[data-chart="accepted"] + .table-wrap tr[data-ca="${c.ca}"] td`);
    assert.deepEqual(await row.allInnerTexts().then((cells) => cells.slice(1)), [String(c.accepted), String(c.refused)]);
  }
  for (const r of window.refusedByResult) {
    const row = page.locator(`tr[data-result="${r.result}"] td`);
    assert.equal((await row.allInnerTexts())[2], String(r.total));
  }
}

describe('admin dashboard', () => {
  let admin;
  before(async () => {
    await s.setup();
    await registerAgency(s.env); // a GCA and a MOICA card accepted
    for (const card of ['moica-revoked', 'moica-expired', 'moica-testca', 'moica-revoked']) {
      const flow = await restFlow(s.env, 'query-serial');
      const r = await flow.card('citizen', '/citizen-card', card, { nationalId: cards[card].nationalId });
      assert.equal(r.status, 403, `${card}: ${JSON.stringify(r.json)}`);
    }
    admin = await adminClient(s.env); // one more MOICA card accepted
  });
  after(s.teardown);

  s.test('the charts and tables show what the API counts, per CA and per error code', async (page) => {
    await s.goto(page, '/admin/');
    await expectHeading(page, '管理人員登入', { level: 1 });
    await cardStep(page, { card: 'moica-lee' });
    await expectHeading(page, '審核案件', { level: 1 });
    await page.getByRole('link', { name: '儀表板' }).click();
    await expectHeading(page, '儀表板', { level: 1 });
    await page.locator('figure[data-chart="accepted"] canvas').waitFor();

    const data = await admin.get('/dashboard');
    const hour = data.hour;
    // Four refusals, three codes; GCA once and MOICA three times (the manager, two staff logins).
    assert.equal(hour.refused, 4);
    assert.deepEqual(hour.refusedByResult.map((r) => [r.result, r.total]), [['CERT_REVOKED', 2], ['CERT_EXPIRED', 1], ['CERT_UNTRUSTED', 1]].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    assert.equal(hour.acceptedByCa.find((c) => c.ca === 'gca').total, 1);
    assert.equal(hour.acceptedByCa.find((c) => c.ca === 'moica').total, 3);
    assert.equal(hour.accepted, 4);
    assert.equal(hour.byCa.find((c) => c.ca === 'unknown').refused, 1, 'a chain of no CA counts as unknown');
    await expectPageMatches(page, hour);
    assert.match(await page.locator('tr[data-result="CERT_REVOKED"]').innerText(), /CERT_REVOKED\s+.*廢止/);
    assert.equal(await page.locator('[data-pending]').getAttribute('data-pending'), String(data.pendingReviews));

    // CA profile health: every profile of the API, each accepting cards on the test PKI.
    for (const p of data.caProfiles) {
      const row = page.locator(`section tr[data-ca="${p.id}"]`).last();
      assert.match(await row.innerText(), p.acceptsCards ? /是/ : /否/);
    }
    await screenshot(page, 'admin-dashboard-hour');

    // The last day, per hour: the same cards in one or two buckets.
    await page.getByLabel('最近 24 小時（每小時）').check();
    await page.locator('.dashboard-totals').waitFor();
    await expectPageMatches(page, (await admin.get('/dashboard')).day);

    // English.
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('figure[data-chart="refused"] figcaption', { hasText: 'Cards refused, per error code' }).waitFor();
    await screenshot(page, 'admin-dashboard-day-en');
  });
});
