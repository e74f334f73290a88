// What the first registration and the three replacements share (the server's registration
// changes): terms (用戶約定條款, 圖3-4) → organisation card → manager card → both certificates'
// details with the manager's contact (圖3-9, 3-26, 3-31, 3-36) → the result with its receipt;
// an identifier mismatch turns to the review application (review.js).
import { Flow, ApiError } from '../api.js';
import { h, clear, field, uid, setFieldError, clearFieldErrors, showSummary, errorSummary, timeElement, detailsTable, busy } from '../ui.js';
import { state, advance, flowLost, focusHeading, isFlowLost } from './driver.js';
import { organisationStep, managerStep } from './card-steps.js';
import { reviewView, reviewSubmittedView } from './review.js';
import { agencyLine, organisationTable, citizenTable, resultPanel } from './views.js';

/**
 * The steps and views of a registration change.
 *   newOrganisation, newManager   which cards are NEW ones (the replacements'; the first
 *                                 registration's are its first, and worded as such)
 *   resultActions()               extra buttons of the result page, before 回首頁
 */
export function registrationChange({ newOrganisation = false, newManager = false, resultActions = () => null } = {}) {
  return {
    steps: ['terms', 'organisation', 'manager', 'confirm', 'done'],
    views: {
      terms: termsView,
      organisation: () => organisationStep({ isNew: newOrganisation }),
      manager: () => managerStep({ isNew: newManager }),
      review: reviewView,
      'review-submitted': reviewSubmittedView,
      confirm: confirmView,
      done: () => resultView(resultActions),
    },
  };
}

function termsView() {
  const agree = h('button', { type: 'button', i18n: 'terms.agree' });
  const summary = errorSummary();
  agree.addEventListener('click', async () => {
    busy(agree, true);
    try {
      await state.flow.post('/terms', { accepted: true });
      advance();
    } catch (error) {
      if (isFlowLost(error)) return flowLost(error);
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

function confirmView() {
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
      if (isFlowLost(error)) return flowLost(error);
      const target = inputs[error.field];
      if (target) {
        setFieldError(target.input, target.error, error.msg);
        showSummary(summary, [{ message: error.msg, target: target.input }]);
      } else {
        showFailure(error);
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

/// The change was refused at the confirmation: the flow is over, the user may start again.
function showFailure(error) {
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

function resultView(resultActions) {
  const v = state.flow.view;
  const { section, home } = resultPanel(`result.success.${state.type}`);
  section.append(
    h('div', { class: 'notice ok', role: 'status' }, h('p', { i18n: `result.successText.${state.type}`, vars: { code: v.agencyCode || '', name: v.agencyName || '' } })),
    v.receipt ? detailsTable([['receipt.number', v.receipt.number], ['receipt.kind', h('td', { i18n: `receipt.kind.${v.receipt.kind}` })], ['receipt.receivedAt', h('td', {}, timeElement(v.receipt.receivedAt))]]) : null,
    h('div', { class: 'actions' }, resultActions(), home),
  );
  return section;
}
