// Identifier mismatch → review application (manual 圖3-6, 3-7), and the contacts of the
// bureau's sections (第三章 四、(一)) that the review and a pending case show. A mismatch can
// follow every function that presents a new organisation card: the first registration and the
// replacements of the organisation card.
import { Flow } from '../api.js';
import { h, field, uid, setFieldError, clearFieldErrors, showSummary, errorSummary, timeElement, detailsTable, busy, formatDateTime } from '../ui.js';
import { state, advance, flowLost, isFlowLost } from './driver.js';
import { agencyLine, caName } from './views.js';

export function sectionContacts(highlight) {
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

/// Under REVIEW_PENDING: when an approved case takes effect, and whom to call.
export function pendingDetails(error) {
  const box = h('div', { class: 'pending-details' });
  if (error.body.effectiveFrom) {
    const when = Number(error.body.effectiveFrom);
    box.append(h('p', { i18n: 'review.approvedEffective', vars: { date: formatDateTime(when) } }));
  }
  box.append(sectionContacts(error.body.sectionZh));
  return box;
}

export function reviewView(notice) {
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
      if (isFlowLost(error)) return flowLost(error);
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

export function reviewSubmittedView() {
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
