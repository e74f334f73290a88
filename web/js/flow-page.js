// flow.html?type=…: every card function of SPEC §3 as the manual lays it out — terms →
// organisation card → manager card → details → result (registration and the three
// replacements), the operator list with add / edit / delete (authorisation), the OID and
// serial queries, and the operator login (回要保機關作業).
import { Flow, ApiError, getConfig } from './api.js';
import { agentFor, AgentUnreachable, AgentError } from './agent.js';
import { CardStep, CardPicker } from './cardstep.js';
import { initLayout } from './layout.js';
import { t, tx, txAttr } from './i18n.js';
import {
  h, clear, field, uid, setFieldError, clearFieldErrors, showSummary, errorSummary, statusRegion, setStatus,
  timeElement, detailsTable, confirmDialog, busy, formatDateTime,
} from './ui.js';

const TYPES = {
  'first-registration': { steps: ['terms', 'organisation', 'manager', 'confirm', 'done'], newOrg: true, newManager: true },
  'replace-organisation': { steps: ['terms', 'organisation', 'manager', 'confirm', 'done'], newOrg: true, newManager: false },
  'replace-manager': { steps: ['terms', 'organisation', 'manager', 'confirm', 'done'], newOrg: false, newManager: true },
  'replace-both': { steps: ['terms', 'organisation', 'manager', 'confirm', 'done'], newOrg: true, newManager: true },
  authorisation: { steps: ['organisation', 'manager', 'operators'], newOrg: false, newManager: false },
  'query-oid': { steps: ['organisation', 'done'], query: true },
  'query-serial': { steps: ['citizen', 'done'], query: true },
  'operator-login': { steps: ['citizen', 'done'] },
};

const NATIONAL_ID = /^[A-Z][12890ABCD][0-9]{8}$/;

const state = { type: null, flow: null, config: null, agent: null, main: null, content: null, stepsList: null, breadcrumbStep: null, flash: null };

function functionLabel(id) {
  const f = (state.config.functions || []).find((x) => x.id === id);
  if (!f) return { zh: id, en: id };
  return { zh: f.label, en: f.labelEn || f.label };
}

/// Function ids in the catalogue's order (the server keeps them as a sorted set).
function ordered(ids) {
  const order = (state.config.functions || []).map((f) => f.id);
  return [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function stepKey(step) {
  return `step.${state.type}.${step}`;
}

function stepLabel(step) {
  const specific = stepKey(step);
  return t(specific) !== specific ? specific : `step.${step}`;
}

// ---------------------------------------------------------------------------------------------
// Frame: title, breadcrumb, step indicator

function renderFrame() {
  const main = state.main;
  clear(main);
  state.breadcrumbStep = h('li', { 'aria-current': 'page' });
  main.append(
    h('nav', { class: 'breadcrumb', attrs: { 'aria-label': 'nav.breadcrumb' } }, h('ol', {}, h('li', {}, h('a', { href: '/', i18n: 'nav.home' })), h('li', { i18n: `fn.${state.type}` }), state.breadcrumbStep)),
    h('h1', { i18n: `fn.${state.type}` }),
  );
  state.stepsList = h('ol', { class: 'steps', attrs: { 'aria-label': 'step.progress' } });
  main.append(state.stepsList);
  state.content = h('div', { class: 'flow-content' });
  main.append(state.content);
}

function renderSteps(current) {
  clear(state.stepsList);
  const steps = [...TYPES[state.type].steps];
  if (current === 'review' || current === 'review-submitted') {
    steps.splice(steps.indexOf('organisation') + 1, steps.length, 'review', 'review-submitted');
  }
  const index = steps.indexOf(current);
  steps.forEach((step, i) => {
    const li = h('li', { i18n: stepLabel(step) });
    if (i < index) li.classList.add('done');
    if (i === index) li.setAttribute('aria-current', 'step');
    state.stepsList.append(li);
  });
  tx(state.breadcrumbStep, stepLabel(current));
}

function focusHeading(container) {
  const heading = container.querySelector('h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

async function startFlow() {
  Flow.forget(state.type);
  state.flow = await Flow.start(state.type);
  render();
}

function flowLost(error) {
  clear(state.content);
  const button = h('button', { type: 'button', i18n: 'flow.restart' });
  button.addEventListener('click', () => startFlow().catch(showFatal));
  const panel = h('section', { class: 'panel' }, h('h2', { i18n: 'flow.lostTitle' }), h('p', { class: 'notice err', msg: error.msg }), h('div', { class: 'actions' }, button, h('a', { class: 'button secondary', href: '/', i18n: 'nav.home' })));
  state.content.append(panel);
  focusHeading(panel);
}

function showFatal(error) {
  clear(state.content);
  const message = error instanceof ApiError ? h('p', { class: 'notice err', msg: error.msg }) : h('p', { class: 'notice err', i18n: 'error.unexpected' });
  state.content.append(h('section', { class: 'panel', role: 'alert' }, h('h2', { i18n: 'error.title' }), message));
}

function render(notice) {
  const step = state.flow.step;
  renderSteps(step);
  clear(state.content);
  const views = {
    terms: renderTerms,
    organisation: renderOrganisation,
    manager: renderManager,
    citizen: renderCitizen,
    review: renderReview,
    'review-submitted': renderReviewSubmitted,
    confirm: renderConfirm,
    operators: renderOperators,
    done: renderDone,
  };
  const view = views[step];
  if (!view) {
    showFatal(new Error(step));
    return;
  }
  const element = view(notice);
  if (element) state.content.append(element);
  if (step === 'done' || step === 'review-submitted') Flow.forget(state.type);
  if (state.flash) {
    state.flash = false;
    focusHeading(state.content);
  }
}

function advance(view, notice) {
  state.flash = true;
  render(notice);
}

// ---------------------------------------------------------------------------------------------
// Terms (用戶約定條款, 圖3-4)

function renderTerms() {
  const agree = h('button', { type: 'button', i18n: 'terms.agree' });
  const summary = errorSummary();
  agree.addEventListener('click', async () => {
    busy(agree, true);
    try {
      await state.flow.post('/terms', { accepted: true });
      advance();
    } catch (error) {
      if (error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code)) return flowLost(error);
      showSummary(summary, [{ message: error.msg || 'error.unexpected' }]);
    } finally {
      busy(agree, false);
    }
  });
  const items = [];
  for (let i = 1; i <= 8; i += 1) items.push(h('li', { i18n: `terms.item${i}` }));
  const headingId = uid('terms');
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId, i18n: 'terms.title' }),
    h('p', { i18n: 'terms.read' }),
    summary,
    h('div', { class: 'terms-text', tabindex: '0', role: 'region', attrs: { 'aria-label': 'terms.title' } }, h('p', { i18n: 'terms.intro' }), h('ol', {}, items)),
    h('div', { class: 'actions' }, agree, h('a', { class: 'button secondary', href: '/', i18n: 'terms.disagree' })),
  );
}

// ---------------------------------------------------------------------------------------------
// Contacts of the bureau's sections (manual 第三章 四、(一))

function sectionContacts(highlight) {
  const list = h('ul', { class: 'contact-list' });
  const sections = state.config.sections || [];
  for (const section of sections) {
    const li = h('li', {}, h('span', { msg: { zh: section.name, en: section.nameEn } }), ' ', h('span', { i18n: 'contact.ext', vars: { extension: section.extension } }), ' ', h('span', { i18n: 'contact.regions', vars: { regions: { zh: (section.regions || []).join('、'), en: (section.regions || []).join(', ') } } }));
    if (highlight && (highlight === section.name || highlight === section.nameEn)) {
      li.prepend(h('strong', { i18n: 'contact.yours' }), ' ');
    }
    list.append(li);
  }
  const phone = sections.length ? sections[0].phone : '(02)27013411';
  return h('div', { class: 'contacts' }, h('p', { i18n: 'contact.intro' }), h('p', {}, h('strong', { i18n: 'contact.main', vars: { phone } })), list);
}

function pendingDetails(error) {
  const box = h('div', { class: 'pending-details' });
  if (error.body.effectiveFrom) {
    const when = Number(error.body.effectiveFrom);
    box.append(h('p', { i18n: 'review.approvedEffective', vars: { date: formatDateTime(when) } }));
  }
  box.append(sectionContacts(error.body.sectionZh));
  return box;
}

// ---------------------------------------------------------------------------------------------
// Card steps

function cardStep(options) {
  const step = new CardStep({
    flow: state.flow,
    agent: state.agent,
    onResult: (view, error) => advance(view, error),
    onFlowLost: flowLost,
    decorateError: (error) => (error.code === 'REVIEW_PENDING' ? pendingDetails(error) : error.code === 'NOT_REGISTERED_CARD' && error.body.operatorLogin ? h('p', { i18n: 'login.notOnFile' }) : null),
    ...options,
  });
  step.start();
  return step.element;
}

function agencyCodeField() {
  const pattern = new RegExp(state.config.agencyCodePattern || '^[0-9A-Z]{5}$');
  return { name: 'agencyCode', label: 'field.agencyCode', hint: 'field.agencyCodeHint', pattern, patternKey: 'field.agencyCodePattern', transform: (v) => v.toUpperCase(), maxlength: 20, className: 'short', autocomplete: 'off' };
}

function nationalIdField(label = 'field.managerNationalId') {
  return { name: 'nationalId', label, hint: 'field.nationalIdHint', pattern: NATIONAL_ID, patternKey: 'field.nationalIdPattern', transform: (v) => v.toUpperCase(), maxlength: 10, className: 'short' };
}

function renderOrganisation() {
  const spec = TYPES[state.type];
  const isNew = spec.newOrg && state.type !== 'first-registration';
  return cardStep({
    purpose: 'organisation',
    endpoint: '/organisation-card',
    headingKey: 'card.org.title',
    introKeys: [isNew ? 'card.org.introNew' : 'card.org.intro'],
    cardLabelKey: isNew ? 'card.org.selectNew' : 'card.org.select',
    pinLabelKey: isNew ? 'card.org.pinNew' : 'card.org.pin',
    fields: [agencyCodeField()],
  });
}

function renderManager() {
  const spec = TYPES[state.type];
  const isNew = spec.newManager && state.type !== 'first-registration';
  const agency = agencyLine();
  const step = cardStep({
    purpose: 'manager',
    endpoint: '/manager-card',
    headingKey: 'card.manager.title',
    introKeys: [isNew ? 'card.manager.introNew' : 'card.manager.intro'],
    cardLabelKey: isNew ? 'card.manager.selectNew' : 'card.manager.select',
    pinLabelKey: 'card.citizen.pin',
    fields: [nationalIdField()],
  });
  if (agency) step.insertBefore(agency, step.children[1]);
  return step;
}

function renderCitizen() {
  const query = state.type === 'query-serial';
  return cardStep({
    purpose: 'citizen',
    endpoint: '/citizen-card',
    headingKey: 'card.citizen.title',
    introKeys: [query ? 'card.citizen.introQuery' : 'card.citizen.introLogin'],
    cardLabelKey: 'card.citizen.select',
    pinLabelKey: 'card.citizen.pin',
    fields: query ? [nationalIdField('field.nationalId')] : [],
  });
}

function agencyLine() {
  const v = state.flow.view;
  if (!v.agencyCode) return null;
  return h('p', { class: 'agency-line' }, h('span', { i18n: 'field.agencyCodeShort' }), ':', h('strong', { text: v.agencyCode }), ' ', h('span', { text: v.agencyName || '' }));
}

// ---------------------------------------------------------------------------------------------
// Identifier mismatch → review application (圖3-6, 3-7)

function renderReview(notice) {
  const v = state.flow.view;
  const card = v.organisation || {};
  const summary = errorSummary();
  const name = field({ name: 'applicantName', label: 'review.name', required: true, maxlength: 60, autocomplete: 'name' });
  const phone = field({ name: 'applicantPhone', label: 'review.phone', hint: 'review.phoneHint', required: true, type: 'tel', maxlength: 20, autocomplete: 'tel' });
  const submit = h('button', { type: 'submit', i18n: 'action.confirm' });
  const cancel = h('button', { type: 'button', class: 'secondary', i18n: 'action.cancel' });
  cancel.addEventListener('click', () => {
    Flow.forget(state.type);
    location.href = '/';
  });
  const form = h('form', { novalidate: true }, summary, name.wrapper, phone.wrapper, h('p', { class: 'notes', i18n: 'form.requiredNote' }), h('div', { class: 'actions' }, submit, cancel));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = [];
    for (const f of [name, phone]) {
      if (!f.input.value.trim()) {
        const labelKey = f === name ? 'review.name' : 'review.phone';
        const message = { key: 'form.required', vars: { label: { k: labelKey } } };
        setFieldError(f.input, f.error, message);
        problems.push({ message, target: f.input });
      }
    }
    if (problems.length) return showSummary(summary, problems);
    busy(submit, true);
    try {
      await state.flow.post('/review-application', { applicantName: name.input.value.trim(), applicantPhone: phone.input.value.trim() });
      advance();
    } catch (error) {
      if (error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code)) return flowLost(error);
      const target = error.field === 'applicantName' ? name : error.field === 'applicantPhone' ? phone : null;
      if (target) setFieldError(target.input, target.error, error.msg);
      showSummary(summary, [{ message: error.msg || 'error.unexpected', target: target && target.input }]);
    } finally {
      busy(submit, false);
    }
  });
  const headingId = uid('review');
  const message = notice && notice.code === 'OID_MISMATCH' ? h('p', { msg: notice.msg }) : h('p', { i18n: 'review.mismatch' });
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId, i18n: 'review.title' }),
    h('div', { class: 'notice warn', role: 'alert' }, message),
    agencyLine(),
    detailsTable(
      [
        ['cert.organisationName', card.organisationName],
        ['cert.identifier', card.identifier],
        ['cert.ca', caName(card)],
        ['cert.serial', card.serial],
      ],
      'review.cardCaption',
    ),
    form,
  );
}

function renderReviewSubmitted() {
  const v = state.flow.view;
  const headingId = uid('submitted');
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId, i18n: 'review.submittedTitle' }),
    h('div', { class: 'notice ok', role: 'status' }, h('p', { i18n: 'review.submitted' })),
    v.receipt ? detailsTable([['receipt.number', v.receipt.number], ['receipt.receivedAt', h('td', {}, timeElement(v.receipt.receivedAt))]]) : null,
    h('p', { i18n: 'review.retryNote' }),
    sectionContacts(v.section && v.section.name),
    h('div', { class: 'actions' }, h('a', { class: 'button secondary', href: '/', i18n: 'nav.home' })),
  );
}

// ---------------------------------------------------------------------------------------------
// Confirm: both certificates' details and the manager's contact (圖3-9, 3-26, 3-31, 3-36)

function caName(card) {
  if (!card || !card.ca) return '';
  return h('td', { msg: { zh: card.caName || card.ca, en: card.caNameEn || card.ca } });
}

function validity(card) {
  if (!card.notBefore) return '';
  return h('td', {}, timeElement(card.notBefore), ' ~ ', timeElement(card.notAfter));
}

function identifierType(card) {
  return card.identifierType ? h('td', { i18n: `cert.identifierType.${card.identifierType}` }) : '';
}

function organisationTable(card, captionKey = 'cert.orgCaption') {
  return detailsTable(
    [
      ['cert.ca', caName(card)],
      ['cert.organisationName', card.organisationName],
      ['cert.identifier', card.identifier],
      ['cert.identifierTypeLabel', identifierType(card)],
      ['cert.serial', card.serial],
      ['cert.issuer', card.issuer],
      ['cert.subject', card.subject],
      ['cert.validity', validity(card)],
    ],
    captionKey,
  );
}

function citizenTable(card, captionKey = 'cert.managerCaption') {
  return detailsTable(
    [
      ['cert.ca', caName(card)],
      ['cert.name', card.name],
      ['cert.idLast4', card.idLast4],
      ['cert.serial', card.serial],
      ['cert.issuer', card.issuer],
      ['cert.subject', card.subject],
      ['cert.validity', validity(card)],
    ],
    captionKey,
  );
}

function renderConfirm() {
  const v = state.flow.view;
  const summary = errorSummary();
  const contact = v.contact || {};
  const prefill = (key, fallback = '') => contact[key] || fallback;
  const managerName = field({ name: 'name', label: 'contact.name', required: true, maxlength: 60, autocomplete: 'name', value: prefill('name', v.manager && v.manager.name) });
  const email = field({ name: 'email', label: 'contact.email', required: true, type: 'email', maxlength: 254, autocomplete: 'email', value: prefill('email') });
  const phone = field({ name: 'phone', label: 'contact.phone', hint: 'contact.phoneHint', required: true, type: 'tel', maxlength: 20, autocomplete: 'tel', value: prefill('phone') });
  const extension = field({ name: 'extension', label: 'contact.extension', required: false, inputmode: 'numeric', maxlength: 8, className: 'short', value: prefill('extension') });
  const inputs = { name: managerName, email, phone, extension };
  const submit = h('button', { type: 'submit', i18n: 'action.confirm' });
  const form = h(
    'form',
    { novalidate: true },
    h('h3', { i18n: 'contact.title' }),
    summary,
    managerName.wrapper,
    email.wrapper,
    h('div', { class: 'inline' }, phone.wrapper, extension.wrapper),
    h('p', { class: 'notes', i18n: 'form.requiredNote' }),
    h('div', { class: 'actions' }, submit, h('a', { class: 'button secondary', href: '/', i18n: 'action.cancel' })),
  );
  const checks = {
    name: (x) => !!x,
    email: (x) => /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/.test(x),
    phone: (x) => /^[0-9()+\- ]{6,20}$/.test(x),
    extension: (x) => /^[0-9]{0,8}$/.test(x),
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = [];
    const values = {};
    for (const [key, f] of Object.entries(inputs)) {
      const value = f.input.value.trim();
      values[key] = value;
      const labelKey = `contact.${key}`;
      let problem = null;
      if (!value && key !== 'extension') problem = { key: 'form.required', vars: { label: { k: labelKey } } };
      else if (!checks[key](value)) problem = { key: `contact.${key}Pattern` };
      if (problem) {
        setFieldError(f.input, f.error, problem);
        problems.push({ message: problem, target: f.input });
      }
    }
    if (problems.length) return showSummary(summary, problems);
    busy(submit, true);
    try {
      await state.flow.post('/confirm', values);
      advance();
    } catch (error) {
      if (error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code)) return flowLost(error);
      const target = inputs[error.field];
      if (target) {
        setFieldError(target.input, target.error, error.msg);
        showSummary(summary, [{ message: error.msg, target: target.input }]);
      } else {
        renderFailure(error);
      }
    } finally {
      busy(submit, false);
    }
  });
  const headingId = uid('confirm');
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': headingId },
    h('h2', { id: headingId, i18n: `confirm.title.${state.type}` }),
    h('p', { i18n: `confirm.intro.${state.type}` }),
    agencyLine(),
    v.organisation ? organisationTable(v.organisation) : null,
    v.manager ? citizenTable(v.manager) : null,
    form,
  );
}

function renderFailure(error) {
  clear(state.content);
  const headingId = uid('result');
  const panel = h(
    'section',
    { class: 'panel result failure', 'aria-labelledby': headingId },
    h('h2', { id: headingId, i18n: `result.failed.${state.type}` }),
    h('div', { class: 'notice err', role: 'alert' }, error instanceof ApiError ? h('p', { msg: error.msg }) : h('p', { i18n: 'error.unexpected' })),
    h('div', { class: 'actions' }, h('a', { class: 'button', href: location.pathname + location.search, i18n: 'flow.restart' }), h('a', { class: 'button secondary', href: '/', i18n: 'nav.home' })),
  );
  state.content.append(panel);
  Flow.forget(state.type);
  focusHeading(panel);
}

// ---------------------------------------------------------------------------------------------
// Results

function renderDone() {
  const v = state.flow.view;
  const headingId = uid('result');
  const section = h('section', { class: 'panel result success', 'aria-labelledby': headingId });
  const heading = h('h2', { id: headingId, class: 'result-title' });
  section.append(heading);
  const home = h('a', { class: 'button secondary', href: '/', i18n: 'nav.home' });
  if (state.type === 'query-oid') {
    tx(heading, 'result.query-oid');
    const card = v.organisation || {};
    section.append(
      detailsTable(
        [
          ['field.agencyCodeShort', v.agencyCode],
          ['result.agencyNameOnFile', v.agencyName],
          ['cert.organisationName', card.organisationName],
          ['cert.oid', card.identifier],
          ['cert.identifierTypeLabel', identifierType(card)],
          ['cert.ca', caName(card)],
          ['cert.serial', card.serial],
          ['cert.validity', validity(card)],
        ],
        'result.queryCaption',
      ),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: location.pathname + location.search, i18n: 'result.queryAgain' }), home),
    );
  } else if (state.type === 'query-serial') {
    tx(heading, 'result.query-serial');
    const card = v.citizen || {};
    const copy = h('button', { type: 'button', class: 'secondary small', i18n: 'result.copySerial' });
    const copied = statusRegion();
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(card.serial);
        setStatus(copied, 'result.copied');
      } catch {
        setStatus(copied, 'result.copyFailed', 'warn');
      }
    });
    section.append(
      detailsTable(
        [
          ['cert.name', card.name],
          ['cert.citizenSerial', h('td', {}, h('span', { class: 'mono serial-value', text: card.serial }), ' ', copy)],
          ['cert.ca', caName(card)],
          ['cert.validity', validity(card)],
        ],
        'result.queryCaption',
      ),
      copied,
      h('p', { class: 'hint', i18n: 'result.serialUse' }),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: location.pathname + location.search, i18n: 'result.queryAgain' }), home),
    );
  } else if (state.type === 'operator-login') {
    tx(heading, 'result.operator-login');
    const card = v.citizen || {};
    const rows = (v.grants || []).map((g) =>
      h('tr', {}, h('td', { class: 'mono', text: g.agencyCode }), h('td', { text: g.agencyName }), h('td', {}, ordered(g.functions).map((f) => h('span', { class: 'tag', msg: functionLabel(f) })))),
    );
    section.append(
      h('div', { class: 'notice ok', role: 'status' }, h('p', { i18n: 'login.welcome', vars: { name: card.name || '' } })),
      h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { i18n: 'login.grantsCaption' }), h('thead', {}, h('tr', {}, h('th', { scope: 'col', i18n: 'field.agencyCodeShort' }), h('th', { scope: 'col', i18n: 'field.agencyName' }), h('th', { scope: 'col', i18n: 'operator.functions' }))), h('tbody', {}, rows))),
      h('p', { class: 'hint', i18n: 'login.next' }),
      h('div', { class: 'actions' }, home),
    );
  } else {
    tx(heading, `result.success.${state.type}`);
    section.append(
      h('div', { class: 'notice ok', role: 'status' }, h('p', { i18n: `result.successText.${state.type}`, vars: { code: v.agencyCode || '', name: v.agencyName || '' } })),
      v.receipt ? detailsTable([['receipt.number', v.receipt.number], ['receipt.kind', h('td', { i18n: `receipt.kind.${v.receipt.kind}` })], ['receipt.receivedAt', h('td', {}, timeElement(v.receipt.receivedAt))]]) : null,
      h('div', { class: 'actions' }, state.type === 'first-registration' ? h('a', { class: 'button', href: '/flow.html?type=authorisation', i18n: 'result.toAuthorisation' }) : null, home),
    );
  }
  return section;
}

// ---------------------------------------------------------------------------------------------
// Operators: list, add, edit, delete (圖3-14 – 3-22)

function renderOperators() {
  const v = state.flow.view;
  const container = h('div', { class: 'operators' });
  const status = statusRegion();
  const summary = errorSummary();
  const headingId = uid('operators');
  const add = h('button', { type: 'button', i18n: 'operator.add' });
  add.addEventListener('click', () => showOperatorForm(container, null));
  const rows = (v.operators || []).map((op) => {
    const edit = h('button', { type: 'button', class: 'secondary small', i18n: 'operator.edit' });
    txAttr(edit, 'aria-label', 'operator.editNamed', { name: op.name });
    edit.addEventListener('click', () => showOperatorForm(container, op));
    const del = h('button', { type: 'button', class: 'danger small', i18n: 'operator.delete' });
    txAttr(del, 'aria-label', 'operator.deleteNamed', { name: op.name });
    del.addEventListener('click', async () => {
      const yes = await confirmDialog({ title: 'operator.deleteTitle', body: { key: 'operator.deleteConfirm', vars: { name: op.name, serial: op.serial } }, confirmKey: 'operator.deleteYes', danger: true });
      if (!yes) return;
      try {
        await state.flow.remove(`/operators/${op.id}`);
        state.pendingStatus = { key: 'operator.deleted', vars: { name: op.name } };
        render();
      } catch (error) {
        if (error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code)) return flowLost(error);
        showSummary(summary, [{ message: error.msg || 'error.unexpected' }]);
      }
    });
    return h(
      'tr',
      { dataset: { serial: op.serial } },
      h('td', { class: 'mono', text: op.serial }),
      h('td', { text: op.name }),
      h('td', { class: 'mono', text: op.nationalId }),
      h('td', {}, ordered(op.functions).map((f) => h('span', { class: 'tag', msg: functionLabel(f) }))),
      h('td', { class: 'actions-cell' }, edit, del),
    );
  });
  const table = rows.length
    ? h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'operator-list' },
          h('caption', { i18n: 'operator.listCaption' }),
          h('thead', {}, h('tr', {}, ['operator.serial', 'operator.name', 'operator.nationalId', 'operator.functions', 'operator.actions'].map((key) => h('th', { scope: 'col', i18n: key })))),
          h('tbody', {}, rows),
        ),
      )
    : h('p', { class: 'notice', i18n: 'operator.none' });
  container.append(
    h(
      'section',
      { class: 'panel', 'aria-labelledby': headingId },
      h('h2', { id: headingId, i18n: 'operator.title' }),
      status,
      summary,
      h('h3', { i18n: 'operator.userInfo' }),
      detailsTable([
        ['field.agencyCodeShort', v.agencyCode],
        ['field.agencyName', v.agencyName],
        ['operator.managerName', v.managerName],
      ]),
      h('div', { class: 'actions' }, add),
      table,
      h('div', { class: 'notes' }, h('p', { i18n: 'operator.noteLeave' }), h('p', { i18n: 'operator.noteRenewal' })),
    ),
  );
  if (state.pendingStatus) {
    setStatus(status, state.pendingStatus);
    state.pendingStatus = null;
  }
  return container;
}

/// Common name (CN) of an RFC 4514 subject such as "serialNumber=…,CN=王大明,C=TW".
function commonName(subject) {
  const match = /(?:^|,)\s*CN=((?:\\.|[^,])*)/.exec(subject || '');
  return match ? match[1].replace(/\\(.)/g, '$1').trim() : '';
}

function showOperatorForm(container, op) {
  const editing = !!op;
  clear(container);
  const summary = errorSummary();
  const picker = new CardPicker({ agent: state.agent, labelKey: 'operator.cardSelect' });
  let certificate = '';
  const serial = field({ name: 'serial', label: 'operator.serialField', hint: 'operator.serialHint', required: true, maxlength: 64, className: 'mono', value: editing ? op.serial : '' });
  const name = field({ name: 'name', label: 'operator.nameField', required: true, maxlength: 60, value: editing ? op.name : '' });
  const nationalId = field({ name: 'nationalId', label: 'operator.nationalIdField', hint: editing ? 'operator.nationalIdReenter' : 'field.nationalIdHint', hintVars: editing ? { masked: op.nationalId } : undefined, required: true, maxlength: 10, className: 'short' });
  serial.input.addEventListener('input', () => {
    // A typed serial is no longer the card that was read.
    certificate = '';
  });
  const readStatus = statusRegion();
  const read = h('button', { type: 'button', class: 'secondary', i18n: 'operator.readCard' });
  read.addEventListener('click', async () => {
    clearFieldErrors(picker.element);
    const token = picker.selected();
    if (!token) {
      setFieldError(picker.select, picker.error, picker.problem() || { key: 'card.required' });
      picker.select.focus && picker.ready && picker.select.focus();
      return;
    }
    busy(read, true);
    try {
      const answer = await state.agent.certificates(token.label);
      const signing = (answer.certificates || []).find((c) => c.signing);
      if (!signing) {
        setFieldError(picker.select, picker.error, 'operator.noSigningCert');
        return;
      }
      serial.input.value = String(signing.serialNumber || '').replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
      name.input.value = commonName(signing.subject);
      certificate = signing.der;
      setStatus(readStatus, { key: 'operator.readDone', vars: { name: name.input.value } });
      nationalId.input.focus();
    } catch (error) {
      if (error instanceof AgentUnreachable) picker.showUnreachable(error.reason);
      else if (error instanceof AgentError) setFieldError(picker.select, picker.error, error.msg);
      else setFieldError(picker.select, picker.error, 'error.unexpected');
    } finally {
      busy(read, false);
    }
  });
  const functions = state.config.functions || [];
  const fnError = h('p', { class: 'field-error', id: uid('functions-error') });
  const fieldset = h('fieldset', { class: 'functions', 'aria-describedby': fnError.id }, h('legend', {}, h('span', { class: 'req', 'aria-hidden': 'true' }, '*'), h('span', { i18n: 'operator.functionsField' })));
  const boxes = h('div', { class: 'checks' });
  for (const f of functions) {
    const id = uid(`fn-${f.id}`);
    const box = h('input', { type: 'checkbox', id, name: 'functions', value: f.id });
    if (editing && op.functions.includes(f.id)) box.checked = true;
    boxes.append(h('label', { for: id }, box, h('span', { msg: { zh: f.label, en: f.labelEn } })));
  }
  fieldset.append(h('p', { class: 'hint', i18n: 'operator.functionsHint' }), boxes, fnError);
  const submit = h('button', { type: 'submit', i18n: 'action.confirm' });
  const cancel = h('button', { type: 'button', class: 'secondary', i18n: 'action.cancel' });
  cancel.addEventListener('click', () => render());
  const form = h(
    'form',
    { novalidate: true },
    summary,
    h('fieldset', { class: 'read-card' }, h('legend', { i18n: 'operator.readLegend' }), h('p', { class: 'hint', i18n: 'operator.readIntro' }), picker.element, h('div', { class: 'actions' }, read), readStatus),
    serial.wrapper,
    name.wrapper,
    nationalId.wrapper,
    fieldset,
    h('p', { class: 'notes', i18n: editing ? 'operator.allRequired' : 'form.requiredNote' }),
    h('div', { class: 'actions' }, submit, cancel),
  );
  const inputs = { serial, name, nationalId };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = [];
    const values = {
      serial: serial.input.value.trim(),
      name: name.input.value.trim(),
      nationalId: nationalId.input.value.trim().toUpperCase(),
      functions: [...boxes.querySelectorAll('input:checked')].map((x) => x.value),
    };
    const labels = { serial: 'operator.serialField', name: 'operator.nameField', nationalId: 'operator.nationalIdField' };
    for (const key of ['serial', 'name', 'nationalId']) {
      let problem = null;
      if (!values[key]) problem = { key: 'form.required', vars: { label: { k: labels[key] } } };
      else if (key === 'serial' && !/^[0-9A-Fa-f :\-]+$/.test(values[key])) problem = { key: 'operator.serialPattern' };
      else if (key === 'nationalId' && !NATIONAL_ID.test(values[key])) problem = { key: 'field.nationalIdPattern', vars: { label: { k: labels[key] } } };
      if (problem) {
        setFieldError(inputs[key].input, inputs[key].error, problem);
        problems.push({ message: problem, target: inputs[key].input });
      }
    }
    if (!values.functions.length) {
      setFieldError(fieldset, fnError, 'operator.functionsRequired');
      problems.push({ message: 'operator.functionsRequired', target: boxes.querySelector('input') });
    }
    if (problems.length) return showSummary(summary, problems);
    if (certificate) values.certificate = certificate;
    busy(submit, true);
    try {
      if (editing) await state.flow.put(`/operators/${op.id}`, values);
      else await state.flow.post('/operators', values);
      state.pendingStatus = { key: editing ? 'operator.updated' : 'operator.added', vars: { name: values.name } };
      state.flash = true;
      render();
    } catch (error) {
      if (error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code)) return flowLost(error);
      let target = null;
      if (error.field === 'functions') {
        setFieldError(fieldset, fnError, error.msg);
        target = boxes.querySelector('input');
      } else if (error.field === 'certificate') {
        setFieldError(serial.input, serial.error, error.msg);
        target = serial.input;
      } else if (inputs[error.field]) {
        setFieldError(inputs[error.field].input, inputs[error.field].error, error.msg);
        target = inputs[error.field].input;
      }
      showSummary(summary, [{ message: error.msg || 'error.unexpected', target }]);
    } finally {
      busy(submit, false);
    }
  });
  const headingId = uid('operator-form');
  const panel = h('section', { class: 'panel operator-form', 'aria-labelledby': headingId }, h('h2', { id: headingId, i18n: editing ? 'operator.editTitle' : 'operator.addTitle' }), agencyLine(), form);
  container.append(panel);
  renderSteps('operators');
  focusHeading(panel);
  picker.start();
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const { main: mainElement } = await initLayout();
  state.main = mainElement;
  const params = new URLSearchParams(location.search);
  const type = params.get('type');
  if (!TYPES[type]) {
    location.replace('/');
    return;
  }
  state.type = type;
  document.querySelector('title').dataset.i18n = `fn.${type}`;
  document.title = t(`fn.${type}`);
  renderFrame();
  try {
    state.config = await getConfig();
    state.agent = agentFor(state.config.agentUrl);
    state.flow = (await Flow.resume(type)) || (await Flow.start(type));
    if (state.flow.step === 'done' || state.flow.step === 'review-submitted') state.flow = await Flow.start(type);
    render();
  } catch (error) {
    showFatal(error);
  }
}

main();
