// The live dashboard (#dashboard, issue 16 item 4): card verifications — logins and every card
// step — of all server instances, accepted per CA and refused per error code, over the last hour
// (per minute) or day (per hour), drawn by uPlot (npm, vendored into the build and served from
// /vendor/: no CDN) with the same numbers in tables; each CA profile's health; the review queue.
// It asks again every 30 seconds while it is shown.
import { h, clear, uid, timeElement } from '/js/ui.js';
import { t, isEnglish } from '/js/i18n.js';
import { state, api, errorNotice, table, cell } from '/admin/common.js';

const REFRESH_MS = 30000;
const WINDOW_KEY = 'certgate.admin.dashboardWindow';
// Distinguishable on white and for the common colour-vision deficiencies (Okabe–Ito).
const COLOURS = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#000000'];

let uplotLoading = null;

/// uPlot's IIFE build as a classic script (window.uPlot); null when the build has no vendored copy.
function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  uplotLoading ??= new Promise((resolve) => {
    document.head.append(h('link', { rel: 'stylesheet', href: '/vendor/uplot/uPlot.min.css' }));
    const script = h('script', { src: '/vendor/uplot/uPlot.iife.min.js' });
    script.addEventListener('load', () => resolve(window.uPlot || null));
    script.addEventListener('error', () => resolve(null));
    document.head.append(script);
  });
  return uplotLoading;
}

function caLabel(id) {
  if (id === 'unknown') return t('admin.dashboard.unknownCa');
  const ca = ((state.config && state.config.cas) || []).find((x) => x.id === id);
  if (!ca) return id.toUpperCase();
  return isEnglish() ? ca.nameEn || ca.name : ca.name;
}

/// Bucket times on the axis and in the legend, 24-hour Asia/Taipei as every admin time is;
/// the day's buckets with their date.
function timeFormat(withDate) {
  const format = new Intl.DateTimeFormat('zh-TW', {
    timeZone: 'Asia/Taipei',
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    ...(withDate ? { month: '2-digit', day: '2-digit' } : {}),
  });
  return (ts) => (ts === null || ts === undefined ? '--' : format.format(new Date(ts * 1000)));
}

/// The day's axis: hours, and the date at midnight (Taipei).
function dayAxis(ts) {
  const [date, hour] = timeFormat(true)(ts).split(' ');
  return hour === '00:00' ? date : hour;
}

/// One chart: x = the window's buckets, one line per series; the figure keeps its uPlot
/// instance (figure.uplot) and, with it or without, a table of the same numbers.
function chart(uPlot, window, series, label, kind) {
  const figure = h('figure', { class: 'dashboard-chart', dataset: { chart: kind } });
  const captionId = uid('chart');
  figure.append(h('figcaption', { id: captionId, i18n: `admin.dashboard.${kind}Chart` }));
  if (!uPlot || !series.length) return figure;
  const xs = window.buckets.map((iso) => Date.parse(iso) / 1000);
  const time = timeFormat(window.bucketSeconds >= 3600);
  const axis = window.bucketSeconds >= 3600 ? dayAxis : timeFormat(false);
  const holder = h('div', { class: 'chart-canvas', role: 'img', 'aria-labelledby': captionId });
  figure.append(holder);
  const options = {
    width: Math.max(320, (state.main && state.main.clientWidth - 48) || 640),
    height: 240,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Asia/Taipei'),
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max)] } },
    axes: [{ values: (u, ticks) => ticks.map(axis) }, { values: (u, ticks) => ticks.map((v) => (Number.isInteger(v) ? String(v) : '')) }],
    series: [{ label: t('admin.dashboard.time'), value: (u, ts) => time(ts) }, ...series.map((s, i) => ({ label: label(s), stroke: COLOURS[i % COLOURS.length], width: 2, points: { show: true, size: 4 } }))],
  };
  figure.uplot = new uPlot(options, [xs, ...series.map((s) => s.counts)], holder);
  return figure;
}

function windowPicker(current, onChange) {
  const name = uid('window');
  const fieldset = h('fieldset', { class: 'dashboard-window' }, h('legend', { i18n: 'admin.dashboard.window' }));
  for (const value of ['hour', 'day']) {
    const id = uid('window');
    const input = h('input', { type: 'radio', name, id, value, checked: value === current });
    input.addEventListener('change', () => input.checked && onChange(value));
    fieldset.append(h('span', { class: 'choice' }, input, ' ', h('label', { for: id, i18n: `admin.dashboard.${value}` })));
  }
  return fieldset;
}

function caHealth(profiles) {
  const yesNo = (ok, okKey, badKey) => h('td', {}, h('span', { class: `tag ${ok ? 'ok' : 'err'}`, i18n: ok ? okKey : badKey }));
  return h(
    'section',
    { class: 'panel' },
    h('h2', { i18n: 'admin.dashboard.caHealth' }),
    table(
      null,
      ['admin.dashboard.ca', 'admin.dashboard.caLoaded', 'admin.dashboard.caAccepts', 'admin.dashboard.caFindings'],
      profiles.map((p) =>
        h(
          'tr',
          { dataset: { ca: p.id } },
          h('td', { msg: { zh: p.name || p.id, en: p.nameEn || p.name || p.id } }),
          yesNo(p.loaded, 'admin.plugins.loaded', 'admin.plugins.refused'),
          yesNo(p.acceptsCards, 'admin.dashboard.yes', 'admin.dashboard.no'),
          h('td', {}, ...[...p.problems, ...p.warnings].map((f) => h('div', { class: 'mono', text: f }))),
        ),
      ),
    ),
  );
}

function render(content, data, uPlot, windowName, rerender) {
  clear(content);
  const w = data[windowName];
  content.append(
    h('h1', { tabindex: '-1', i18n: 'admin.dashboard.title' }),
    h('p', { i18n: 'admin.dashboard.intro' }),
    h(
      'p',
      { class: 'dashboard-summary' },
      h('span', { i18n: 'admin.dashboard.generated' }),
      ' ',
      timeElement(data.generatedAt, { seconds: true }),
      ' · ',
      h('a', { href: '#reviews', dataset: { pending: String(data.pendingReviews) }, i18n: 'admin.dashboard.pending', vars: { count: data.pendingReviews } }),
    ),
    windowPicker(windowName, rerender),
    h('p', { class: 'dashboard-totals', dataset: { accepted: String(w.accepted), refused: String(w.refused) }, i18n: 'admin.dashboard.totals', vars: { accepted: w.accepted, refused: w.refused } }),
  );
  if (!uPlot) content.append(h('p', { class: 'notice', i18n: 'admin.dashboard.noCharts' }));
  if (!w.accepted && !w.refused) content.append(h('p', { class: 'notice', i18n: 'admin.dashboard.none' }));
  const accepted = h('section', { class: 'panel' }, chart(uPlot, w, w.acceptedByCa, (s) => caLabel(s.ca), 'accepted'));
  accepted.append(
    table(
      'admin.dashboard.byCaCaption',
      ['admin.dashboard.ca', 'admin.dashboard.accepted', 'admin.dashboard.refused'],
      w.byCa.map((c) => h('tr', { dataset: { ca: c.ca } }, cell(caLabel(c.ca)), cell(String(c.accepted), 'num'), cell(String(c.refused), 'num'))),
    ),
  );
  const refused = h('section', { class: 'panel' }, chart(uPlot, w, w.refusedByResult, (s) => s.result, 'refused'));
  if (!w.refused) refused.append(h('p', { class: 'notice ok', i18n: 'admin.dashboard.noRefusal' }));
  refused.append(
    table(
      'admin.dashboard.byResultCaption',
      ['admin.dashboard.code', 'admin.dashboard.message', 'admin.dashboard.count'],
      w.refusedByResult.map((r) => h('tr', { dataset: { result: r.result } }, cell(r.result, 'mono code'), h('td', { msg: { zh: r.message || '', en: r.messageEn || '' } }), cell(String(r.total), 'num'))),
    ),
  );
  content.append(accepted, refused, caHealth(data.caProfiles));
}

export async function viewDashboard(content) {
  let windowName = sessionStorage.getItem(WINDOW_KEY) === 'day' ? 'day' : 'hour';
  let data = null;
  const uPlot = await loadUplot();
  const show = () => render(content, data, uPlot, windowName, (next) => {
    windowName = next;
    sessionStorage.setItem(WINDOW_KEY, next);
    show();
    content.querySelector(`input[value="${next}"]`)?.focus();
  });
  const load = async () => {
    data = await api('GET', '/dashboard');
    show();
  };
  await load();
  // Live while shown: stops by itself once the staff member goes to another section.
  const timer = setInterval(() => {
    if (!content.isConnected) {
      clearInterval(timer);
      return;
    }
    load().catch((error) => content.append(errorNotice(error)));
  }, REFRESH_MS);
  const relabel = () => (content.isConnected ? show() : document.removeEventListener('langchange', relabel));
  document.addEventListener('langchange', relabel);
}
