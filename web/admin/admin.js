// The ops staff's pages (SPEC §3.6), /admin/: staff sign in with their own citizen card (the
// staff-login flow; the certificate must be on the allow-list, `certgate staff add` bootstraps
// the first one), then: a live dashboard, review queue, agency master data and CSV import, registrations,
// per-agency registration / operators / receipts, audit log with chain check, CA plugins and
// their anchors' expiry, health, staff. Times are shown in Asia/Taipei.
import { Flow, ApiError, request, getConfig } from '/js/api.js';
import { agentFor } from '/js/agent.js';
import { hipkiFor } from '/js/hipki.js';
import { CardStep } from '/js/cardstep.js';
import { initLayout } from '/js/layout.js';
import {
  h, clear, field, uid, setFieldError, clearFieldErrors, showSummary, errorSummary, statusRegion, setStatus, timeElement,
  detailsTable, confirmDialog, busy, formatDate,
} from '/js/ui.js';
import { CSRF_KEY, state, hooks, api, errorNotice, functionLabel, table, cell, caName, staffNames, statusTag } from '/admin/common.js';
import { viewPlugins, viewHealth } from '/admin/trust.js';
import { viewDashboard } from '/admin/dashboard.js';

// ---------------------------------------------------------------------------------------------
// Sign-in with the staff member's citizen card

function showLogin(reason) {
  try {
    sessionStorage.removeItem(CSRF_KEY);
  } catch {
    // nothing stored
  }
  state.staff = null;
  state.staffNames = null;
  renderHeader();
  clear(state.main);
  state.main.append(h('h1', { i18n: 'admin.loginTitle' }), h('p', { i18n: 'admin.loginIntro' }));
  if (reason instanceof ApiError && reason.code !== 'SESSION_INVALID') state.main.append(errorNotice(reason));
  const holder = h('div');
  state.main.append(holder);
  startLogin(holder).catch((error) => holder.append(errorNotice(error)));
}

async function startLogin(holder) {
  const flow = await Flow.start('staff-login');
  const agent = agentFor(state.config.agentUrl);
  const step = new CardStep({
    flow,
    agent,
    hipki: hipkiFor(state.config),
    purpose: 'citizen',
    endpoint: '/citizen-card',
    headingKey: 'admin.loginCard',
    introKeys: ['admin.loginCardIntro'],
    cardLabelKey: 'card.citizen.select',
    pinLabelKey: 'card.citizen.pin',
    onResult: async () => {
      try {
        const session = await request('POST', flow.url('/staff-session'), { body: {}, csrf: flow.csrf });
        Flow.forget('staff-login');
        sessionStorage.setItem(CSRF_KEY, session.csrfToken);
        state.staff = session.staff;
        renderHeader();
        route();
      } catch (error) {
        holder.prepend(errorNotice(error));
      }
    },
    onFlowLost: () => showLogin(),
  });
  clear(holder);
  holder.append(step.element);
  await step.start();
}

function renderHeader() {
  clear(state.header);
  if (!state.staff) return;
  const logout = h('button', { type: 'button', class: 'lang-switch', i18n: 'admin.logout' });
  logout.addEventListener('click', async () => {
    try {
      await api('POST', '/logout', {});
    } catch {
      // the session may be gone already
    }
    showLogin();
  });
  state.header.append(h('span', { class: 'admin-who', i18n: 'admin.who', vars: { name: state.staff.name, role: { k: `admin.role.${state.staff.role}` } } }), ' ', logout);
}

// ---------------------------------------------------------------------------------------------
// Navigation: #dashboard, #reviews (default), #agencies, #registrations, #agency/<code>, #audit, #plugins,
// #health, #staff

const SECTIONS = [
  ['dashboard', 'admin.nav.dashboard'],
  ['reviews', 'admin.nav.reviews'],
  ['agencies', 'admin.nav.agencies'],
  ['registrations', 'admin.nav.registrations'],
  ['audit', 'admin.nav.audit'],
  ['plugins', 'admin.nav.plugins'],
  ['health', 'admin.nav.health'],
  ['staff', 'admin.nav.staff'],
];

function route() {
  if (!state.staff) return;
  const hash = decodeURIComponent(location.hash.replace(/^#/, '')) || 'reviews';
  const [section, argument] = hash.split('/');
  clear(state.main);
  const nav = h('ul', { class: 'admin-nav' });
  for (const [id, key] of SECTIONS) {
    const link = h('a', { href: `#${id}`, i18n: key });
    if (id === section || (section === 'agency' && id === 'agencies')) link.setAttribute('aria-current', 'page');
    nav.append(h('li', {}, link));
  }
  const content = h('div', { class: 'admin-content' });
  state.main.append(h('nav', { attrs: { 'aria-label': 'admin.navLabel' } }, nav), content);
  const views = { dashboard: viewDashboard, reviews: viewReviews, agencies: viewAgencies, registrations: viewRegistrations, agency: viewAgency, audit: viewAudit, plugins: viewPlugins, health: viewHealth, staff: viewStaff };
  const view = views[section] || viewReviews;
  view(content, argument).catch((error) => content.append(errorNotice(error)));
}

// ---------------------------------------------------------------------------------------------
// Reviews: approve / reject with a note; approval takes effect on the next business day

async function viewReviews(content) {
  const heading = h('h1', { tabindex: '-1', i18n: 'admin.reviews.title' });
  const filter = h('select', { id: uid('review-filter') });
  for (const value of ['pending', 'approved', 'rejected', '']) filter.append(h('option', { value, i18n: value ? `review.status.${value}` : 'admin.all' }));
  filter.value = sessionStorage.getItem('certgate.admin.reviewFilter') ?? 'pending';
  const list = h('div', { class: 'review-list', 'aria-live': 'polite' });
  const load = async () => {
    sessionStorage.setItem('certgate.admin.reviewFilter', filter.value);
    clear(list);
    await staffNames();
    const data = await api('GET', `/reviews${filter.value ? `?status=${filter.value}` : ''}`);
    if (!data.reviews.length) list.append(h('p', { class: 'notice', i18n: 'admin.reviews.none' }));
    for (const review of data.reviews) list.append(reviewCard(review));
  };
  filter.addEventListener('change', () => load().catch((error) => list.append(errorNotice(error))));
  content.append(heading, h('p', { i18n: 'admin.reviews.intro' }), h('div', { class: 'field' }, h('label', { for: filter.id, i18n: 'admin.reviews.filter' }), filter), list);
  await load();
}

function reviewCard(review) {
  const headingId = uid('review');
  const card = h('article', { class: 'review-card', 'aria-labelledby': headingId, dataset: { review: review.id, agency: review.agencyCode } });
  const cert = review.presentedCertificate || {};
  card.append(
    h('h3', { id: headingId }, h('span', { text: `${review.agencyCode} ` }), statusTag('review.status', review.status)),
    detailsTable([
      ['admin.review.createdAt', h('td', {}, timeElement(review.createdAt))],
      ['admin.review.flowType', h('td', { i18n: `fn.${review.flowType}` })],
      ['admin.review.applicant', review.applicantName],
      ['admin.review.phone', review.applicantPhone],
      ['admin.review.presentedCa', caName(review.presentedCa)],
      ['admin.review.presentedName', review.presentedOrganisationName],
      ['admin.review.presentedIdentifier', review.presentedIdentifier],
      ['admin.review.expectedIdentifier', review.expectedIdentifier],
      ['cert.serial', cert.serial],
      ['cert.issuer', cert.issuer],
      ['cert.validity', cert.notBefore ? h('td', {}, timeElement(cert.notBefore), ' ~ ', timeElement(cert.notAfter)) : ''],
    ]),
  );
  if (review.status === 'pending') card.append(decisionForm(review, card));
  else card.append(decisionResult(review));
  return card;
}

function decisionResult(review) {
  return detailsTable(
    [
      ['admin.review.decision', h('td', {}, statusTag('review.status', review.status))],
      ['admin.review.decidedAt', review.decidedAt ? h('td', {}, timeElement(review.decidedAt)) : ''],
      ['admin.review.decidedBy', review.decidedBy ? (state.staffNames && state.staffNames.get(review.decidedBy)) || review.decidedBy : ''],
      ['admin.review.note', review.note],
      ['admin.review.effectiveFrom', review.effectiveFrom ? h('td', { class: 'effective-from' }, h('strong', {}, timeElement(review.effectiveFrom)), ' ', h('span', { class: 'hint', i18n: 'admin.review.effectiveHint' })) : ''],
    ],
    'admin.review.decisionCaption',
  );
}

function decisionForm(review, card) {
  const summary = errorSummary();
  const note = field({ name: 'note', label: 'admin.review.noteField', hint: 'admin.review.noteHint', multiline: true, maxlength: 1000 });
  const approve = h('button', { type: 'button', i18n: 'admin.review.approve' });
  const reject = h('button', { type: 'button', class: 'danger', i18n: 'admin.review.reject' });
  const form = h('form', { novalidate: true, class: 'decision' }, summary, note.wrapper, h('div', { class: 'actions' }, approve, reject));
  const decide = async (decision) => {
    clearFieldErrors(form);
    if (decision === 'reject' && !note.input.value.trim()) {
      setFieldError(note.input, note.error, 'admin.review.noteRequired');
      return showSummary(summary, [{ message: 'admin.review.noteRequired', target: note.input }]);
    }
    const yes = await confirmDialog({
      title: decision === 'approve' ? 'admin.review.approveTitle' : 'admin.review.rejectTitle',
      body: { key: decision === 'approve' ? 'admin.review.approveConfirm' : 'admin.review.rejectConfirm', vars: { code: review.agencyCode } },
      confirmKey: decision === 'approve' ? 'admin.review.approve' : 'admin.review.reject',
      danger: decision === 'reject',
    });
    if (!yes) return;
    busy(approve, true);
    busy(reject, true);
    try {
      const answer = await api('POST', `/reviews/${review.id}/decision`, { decision, note: note.input.value.trim() });
      const replacement = reviewCard(answer.review);
      card.replaceWith(replacement);
      const status = statusRegion();
      replacement.prepend(status);
      setStatus(status, answer.review.effectiveFrom ? { key: 'admin.review.approvedStatus', vars: { date: formatDate(answer.review.effectiveFrom) } } : 'admin.review.rejectedStatus');
      replacement.querySelector('h3').setAttribute('tabindex', '-1');
      replacement.querySelector('h3').focus();
    } catch (error) {
      if (error instanceof ApiError && error.field === 'note') setFieldError(note.input, note.error, error.msg);
      showSummary(summary, [{ message: error.msg || 'error.unexpected', target: error.field === 'note' ? note.input : null }]);
    } finally {
      busy(approve, false);
      busy(reject, false);
    }
  };
  approve.addEventListener('click', () => decide('approve'));
  reject.addEventListener('click', () => decide('reject'));
  return form;
}

// ---------------------------------------------------------------------------------------------
// Agencies: search and CSV import with a dry run

async function viewAgencies(content) {
  const heading = h('h1', { tabindex: '-1', i18n: 'admin.agencies.title' });
  const q = field({ name: 'q', label: 'admin.agencies.search', type: 'search', hint: 'admin.agencies.searchHint' });
  const searchButton = h('button', { type: 'submit', i18n: 'action.search' });
  const form = h('form', { role: 'search', class: 'inline' }, q.wrapper, h('div', { class: 'actions' }, searchButton));
  const results = h('div', { 'aria-live': 'polite' });
  let offset = 0;
  const limit = 50;
  const load = async () => {
    clear(results);
    const data = await api('GET', `/agencies?q=${encodeURIComponent(q.input.value.trim())}&limit=${limit}&offset=${offset}`);
    const rows = data.agencies.map((a) =>
      h('tr', {}, cell(h('a', { href: `#agency/${encodeURIComponent(a.code)}`, text: a.code }), 'mono'), cell(a.name), cell(a.region), cell(a.expectedCa, 'mono'), cell(a.expectedIdentifier, 'mono'), cell(timeElement(a.updatedAt))),
    );
    results.append(
      h('p', { i18n: 'admin.agencies.count', vars: { total: data.total, from: data.total ? offset + 1 : 0, to: offset + data.agencies.length } }),
      table('admin.agencies.caption', ['field.agencyCodeShort', 'field.agencyName', 'admin.agencies.region', 'admin.agencies.expectedCa', 'admin.agencies.expectedIdentifier', 'admin.updatedAt'], rows),
    );
    const pager = h('div', { class: 'pager' });
    if (offset > 0) {
      const prev = h('button', { type: 'button', class: 'secondary small', i18n: 'admin.prev' });
      prev.addEventListener('click', () => {
        offset = Math.max(0, offset - limit);
        load();
      });
      pager.append(prev);
    }
    if (offset + data.agencies.length < data.total) {
      const next = h('button', { type: 'button', class: 'secondary small', i18n: 'admin.next' });
      next.addEventListener('click', () => {
        offset += limit;
        load();
      });
      pager.append(next);
    }
    results.append(pager);
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    offset = 0;
    load().catch((error) => results.append(errorNotice(error)));
  });
  content.append(heading, h('section', { class: 'panel' }, form, results), importPanel(load));
  await load();
}

function importPanel(reload) {
  const headingId = uid('import');
  const file = h('input', { type: 'file', id: uid('csv-file'), accept: '.csv,text/csv' });
  const text = field({ name: 'csv', label: 'admin.import.text', hint: 'admin.import.format', multiline: true });
  text.input.classList.add('mono');
  file.addEventListener('change', async () => {
    if (file.files[0]) text.input.value = await file.files[0].text();
    applyButton.disabled = true;
  });
  const report = h('div', { class: 'import-report', 'aria-live': 'polite' });
  const dryRunButton = h('button', { type: 'button', i18n: 'admin.import.dryRun' });
  const applyButton = h('button', { type: 'button', class: 'danger', disabled: true, i18n: 'admin.import.apply' });
  let checked = null;
  text.input.addEventListener('input', () => {
    applyButton.disabled = true;
  });
  const send = async (dryRun) => {
    clear(report);
    const csv = text.input.value;
    if (!csv.trim()) {
      report.append(h('p', { class: 'notice err', i18n: 'admin.import.empty' }));
      return;
    }
    let data;
    try {
      data = await api('POST', `/agencies/import?dryRun=${dryRun}`, csv, { contentType: 'text/csv; charset=utf-8' });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422 && error.body && error.body.problems) data = error.body;
      else {
        report.append(errorNotice(error));
        return;
      }
    }
    const ok = !data.problems.length;
    report.append(
      h('p', { class: `notice ${ok ? 'ok' : 'err'}`, i18n: dryRun ? (ok ? 'admin.import.dryRunOk' : 'admin.import.dryRunProblems') : ok ? 'admin.import.applied' : 'admin.import.notApplied', vars: { lines: data.lines, added: data.added, updated: data.updated, unchanged: data.unchanged, problems: data.problems.length } }),
    );
    if (data.problems.length) {
      report.append(table('admin.import.problems', ['admin.import.line', 'admin.import.field', 'admin.import.message'], data.problems.map((p) => h('tr', {}, cell(String(p.line)), cell(p.field, 'mono'), h('td', { msg: { zh: p.message, en: p.messageEn } })))));
    }
    checked = ok && dryRun ? csv : null;
    applyButton.disabled = !(ok && dryRun);
    if (!dryRun && ok) reload().catch(() => {});
  };
  dryRunButton.addEventListener('click', () => send(true));
  applyButton.addEventListener('click', async () => {
    if (checked !== text.input.value) {
      applyButton.disabled = true;
      return;
    }
    const yes = await confirmDialog({ title: 'admin.import.confirmTitle', body: 'admin.import.confirmText', confirmKey: 'admin.import.apply', danger: true });
    if (yes) await send(false);
  });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId, i18n: 'admin.import.title' }),
    h('p', { i18n: 'admin.import.intro' }),
    h('div', { class: 'field' }, h('label', { for: file.id, i18n: 'admin.import.file' }), file),
    text.wrapper,
    h('div', { class: 'actions' }, dryRunButton, applyButton),
    report,
  );
}

// ---------------------------------------------------------------------------------------------
// Registrations and one agency's registration, operators and receipts

function registrationRows(r) {
  const org = r.organisation || {};
  const manager = r.manager || {};
  return [
    ['field.agencyCodeShort', r.agencyCode],
    ['field.agencyName', r.agencyName],
    ['admin.reg.registeredAt', h('td', {}, timeElement(r.registeredAt))],
    ['admin.updatedAt', h('td', {}, timeElement(r.updatedAt))],
    ['cert.ca', org.ca ? caName(org.ca) : ''],
    ['cert.organisationName', org.organisationName],
    ['cert.identifier', org.identifier],
    ['admin.reg.orgSerial', org.serial],
    ['admin.reg.orgValidity', org.notBefore ? h('td', {}, timeElement(org.notBefore), ' ~ ', timeElement(org.notAfter)) : ''],
    ['operator.managerName', manager.name],
    ['admin.reg.managerId', manager.nationalId],
    ['contact.email', manager.email],
    ['contact.phone', manager.phone ? `${manager.phone}${manager.extension ? ` #${manager.extension}` : ''}` : ''],
    ['admin.reg.managerSerial', manager.serial],
    ['admin.reg.managerValidity', manager.notBefore ? h('td', {}, timeElement(manager.notBefore), ' ~ ', timeElement(manager.notAfter)) : ''],
  ];
}

async function viewRegistrations(content) {
  content.append(h('h1', { tabindex: '-1', i18n: 'admin.registrations.title' }));
  const data = await api('GET', '/registrations?limit=500');
  if (!data.registrations.length) {
    content.append(h('p', { class: 'notice', i18n: 'admin.registrations.none' }));
    return;
  }
  const rows = data.registrations.map((r) =>
    h(
      'tr',
      {},
      cell(h('a', { href: `#agency/${encodeURIComponent(r.agencyCode)}`, text: r.agencyCode }), 'mono'),
      cell(r.agencyName),
      cell(r.organisation ? `${r.organisation.ca} ${r.organisation.serial}` : '', 'mono'),
      cell(r.manager ? r.manager.name : ''),
      cell(r.manager ? r.manager.email : ''),
      cell(timeElement(r.registeredAt)),
      cell(timeElement(r.updatedAt)),
    ),
  );
  content.append(table('admin.registrations.caption', ['field.agencyCodeShort', 'field.agencyName', 'admin.reg.orgCert', 'operator.managerName', 'contact.email', 'admin.reg.registeredAt', 'admin.updatedAt'], rows));
}

async function viewAgency(content, code) {
  content.append(h('h1', { tabindex: '-1', i18n: 'admin.agency.title', vars: { code } }));
  const registration = h('section', { class: 'panel' }, h('h2', { i18n: 'admin.agency.registration' }));
  const operators = h('section', { class: 'panel' }, h('h2', { i18n: 'admin.agency.operators' }));
  const receipts = h('section', { class: 'panel' }, h('h2', { i18n: 'admin.agency.receipts' }));
  content.append(registration, operators, receipts);
  const path = `/agencies/${encodeURIComponent(code)}`;
  await Promise.all([
    api('GET', `${path}/registration`)
      .then((data) => registration.append(detailsTable(registrationRows(data.registration))))
      .catch((error) => registration.append(error.code === 'NOT_REGISTERED' ? h('p', { class: 'notice', i18n: 'admin.agency.notRegistered' }) : errorNotice(error))),
    api('GET', `${path}/operators`)
      .then((data) =>
        operators.append(
          data.operators.length
            ? table(null, ['operator.serial', 'operator.name', 'operator.nationalId', 'operator.functions', 'admin.updatedAt'], data.operators.map((op) => h('tr', {}, cell(op.serial, 'mono'), cell(op.name), cell(op.nationalId, 'mono'), h('td', {}, [...op.functions].sort((a, b) => state.functions.findIndex((f) => f.id === a) - state.functions.findIndex((f) => f.id === b)).map((f) => h('span', { class: 'tag', msg: functionLabel(f) }))), cell(timeElement(op.updatedAt)))))
            : h('p', { class: 'notice', i18n: 'admin.agency.noOperators' }),
        ),
      )
      .catch((error) => operators.append(errorNotice(error))),
    api('GET', `${path}/receipts`)
      .then((data) =>
        receipts.append(
          data.receipts.length
            ? table(null, ['receipt.number', 'receipt.receivedAt', 'receipt.kind', 'receipt.status'], data.receipts.map((r) => h('tr', {}, cell(r.number, 'mono'), cell(timeElement(r.receivedAt)), h('td', { i18n: `receipt.kind.${r.kind}` }), h('td', {}, statusTag('receipt.status', r.status)))))
            : h('p', { class: 'notice', i18n: 'receipts.none' }),
        ),
      )
      .catch((error) => receipts.append(errorNotice(error))),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Audit log and its hash chain

async function viewAudit(content) {
  content.append(h('h1', { tabindex: '-1', i18n: 'admin.audit.title' }));
  const verify = h('button', { type: 'button', i18n: 'admin.audit.verify' });
  const chain = h('div', { class: 'chain-status', 'aria-live': 'polite' });
  verify.addEventListener('click', async () => {
    busy(verify, true);
    clear(chain);
    try {
      const result = await api('GET', '/audit/verify');
      chain.append(
        result.ok
          ? h('p', { class: 'notice ok', i18n: 'admin.audit.chainOk', vars: { checked: result.checked } })
          : h('p', { class: 'notice err', i18n: 'admin.audit.chainBroken', vars: { checked: result.checked, seq: result.firstBadSeq, problem: result.problem } }),
      );
    } catch (error) {
      chain.append(errorNotice(error));
    } finally {
      busy(verify, false);
    }
  });
  content.append(h('section', { class: 'panel' }, h('h2', { i18n: 'admin.audit.chainTitle' }), h('p', { i18n: 'admin.audit.chainIntro' }), verify, chain));
  const list = h('div');
  content.append(list);
  let offset = 0;
  const limit = 100;
  const load = async () => {
    clear(list);
    const data = await api('GET', `/audit?limit=${limit}&offset=${offset}`);
    const rows = data.events.map((e) =>
      h('tr', { class: e.outcome === 'ok' ? '' : 'refused' }, cell(String(e.seq)), cell(timeElement(e.at, { seconds: true })), cell(e.actor, 'mono'), cell(e.action, 'mono'), cell(h('span', { class: `tag ${e.outcome === 'ok' ? 'ok' : 'err'}`, text: e.errorCode ? `${e.outcome} ${e.errorCode}` : e.outcome })), cell(e.agencyCode, 'mono'), cell(e.subject, 'mono')),
    );
    list.append(table('admin.audit.caption', ['admin.audit.seq', 'admin.audit.at', 'admin.audit.actor', 'admin.audit.action', 'admin.audit.outcome', 'field.agencyCodeShort', 'admin.audit.subject'], rows));
    const pager = h('div', { class: 'pager' });
    if (offset > 0) {
      const newer = h('button', { type: 'button', class: 'secondary small', i18n: 'admin.prev' });
      newer.addEventListener('click', () => {
        offset = Math.max(0, offset - limit);
        load();
      });
      pager.append(newer);
    }
    if (data.events.length === limit) {
      const older = h('button', { type: 'button', class: 'secondary small', i18n: 'admin.next' });
      older.addEventListener('click', () => {
        offset += limit;
        load();
      });
      pager.append(older);
    }
    list.append(pager);
  };
  await load();
}

// ---------------------------------------------------------------------------------------------
// Staff on the allow-list

// An admin may take another staff member off the allow-list (never themselves); it takes
// effect at once, open sessions included.
function disableButton(member) {
  if (state.staff.role !== 'admin' || member.disabled || member.id === state.staff.id) return '';
  const button = h('button', { type: 'button', class: 'secondary', i18n: 'admin.staff.disable' });
  button.addEventListener('click', async () => {
    const yes = await confirmDialog({ title: 'admin.staff.disable', body: { key: 'admin.staff.disableConfirm', vars: { name: member.name } }, confirmKey: 'admin.staff.disable', danger: true });
    if (!yes) return;
    busy(button, true);
    try {
      await api('POST', `/staff/${member.id}/disable`, {});
      route();
    } catch (error) {
      busy(button, false);
      button.after(errorNotice(error));
    }
  });
  return button;
}

async function viewStaff(content) {
  content.append(h('h1', { tabindex: '-1', i18n: 'admin.staff.title' }));
  const data = await api('GET', '/staff');
  content.append(
    table(
      'admin.staff.caption',
      ['cert.name', 'admin.staff.role', 'cert.issuer', 'cert.serial', 'admin.staff.createdAt', 'admin.staff.state'],
      data.staff.map((s) => h('tr', {}, cell(s.name), h('td', { i18n: `admin.role.${s.role}` }), cell(s.issuer), cell(s.serial, 'mono'), cell(timeElement(s.createdAt)), h('td', {}, h('span', { i18n: s.disabled ? 'admin.staff.disabled' : 'admin.staff.active' }), ' ', disableButton(s)))),
    ),
  );
  if (state.staff.role !== 'admin') return;
  const summary = errorSummary();
  const status = statusRegion();
  const name = field({ name: 'name', label: 'admin.staff.name', required: true, maxlength: 60 });
  const issuer = field({ name: 'issuer', label: 'admin.staff.issuer', hint: 'admin.staff.issuerHint', required: true, value: 'OU=內政部憑證管理中心,O=行政院,C=TW' });
  const serial = field({ name: 'serial', label: 'admin.staff.serial', required: true, className: 'mono' });
  const role = h('select', { id: uid('role'), name: 'role' }, h('option', { value: 'reviewer', i18n: 'admin.role.reviewer' }), h('option', { value: 'admin', i18n: 'admin.role.admin' }));
  const submit = h('button', { type: 'submit', i18n: 'admin.staff.add' });
  const form = h('form', { novalidate: true }, summary, status, name.wrapper, issuer.wrapper, serial.wrapper, h('div', { class: 'field' }, h('label', { for: role.id, i18n: 'admin.staff.role' }), role), h('div', { class: 'actions' }, submit));
  const inputs = { name, issuer, serial };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = [];
    for (const [key, f] of Object.entries(inputs)) {
      if (!f.input.value.trim()) {
        const message = { key: 'form.required', vars: { label: { k: `admin.staff.${key}` } } };
        setFieldError(f.input, f.error, message);
        problems.push({ message, target: f.input });
      }
    }
    if (problems.length) return showSummary(summary, problems);
    busy(submit, true);
    try {
      await api('POST', '/staff', { name: name.input.value.trim(), issuer: issuer.input.value.trim(), serial: serial.input.value.trim(), role: role.value });
      route();
    } catch (error) {
      const target = inputs[error.field];
      if (target) setFieldError(target.input, target.error, error.msg);
      showSummary(summary, [{ message: error.msg || 'error.unexpected', target: target && target.input }]);
    } finally {
      busy(submit, false);
    }
  });
  content.append(h('section', { class: 'panel' }, h('h2', { i18n: 'admin.staff.addTitle' }), h('p', { i18n: 'admin.staff.addIntro' }), form));
}

// ---------------------------------------------------------------------------------------------

hooks.showLogin = showLogin;
hooks.route = route;

async function main() {
  const { main: mainElement, headerExtra } = await initLayout({ admin: true, titleKey: 'site.adminTitle' });
  state.main = mainElement;
  state.header = headerExtra;
  try {
    state.config = await getConfig();
    state.functions = state.config.functions || [];
  } catch (error) {
    state.main.append(errorNotice(error));
    return;
  }
  try {
    const me = await request('GET', '/admin/api/v1/me');
    state.staff = me.staff;
    renderHeader();
    route();
  } catch {
    showLogin();
  }
  window.addEventListener('hashchange', route);
}

main();
