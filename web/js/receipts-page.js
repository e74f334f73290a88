// 查詢憑證註冊收件紀錄 (圖3-38, 3-39): agency code → agency name and its receipts.
import { getReceipts, getConfig, ApiError } from './api.js';
import { initLayout } from './layout.js';
import { h, clear, field, setFieldError, clearFieldErrors, showSummary, errorSummary, timeElement, busy } from './ui.js';

async function main() {
  const { main: mainElement } = await initLayout({ titleKey: 'fn.receipts' });
  const config = await getConfig().catch(() => ({}));
  const pattern = new RegExp(config.agencyCodePattern || '^[0-9A-Z]{5}$');
  const summary = errorSummary();
  const code = field({ name: 'agencyCode', label: 'field.agencyCode', hint: 'field.agencyCodeHint', required: true, maxlength: 20, className: 'short' });
  const submit = h('button', { type: 'submit', i18n: 'action.search' });
  const form = h('form', { novalidate: true, role: 'search' }, summary, code.wrapper, h('p', { class: 'notes', i18n: 'form.requiredNote' }), h('div', { class: 'actions' }, submit));
  const results = h('div', { class: 'results', 'aria-live': 'polite' });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    clear(results);
    const value = code.input.value.trim().toUpperCase();
    let problem = null;
    if (!value) problem = { key: 'form.required', vars: { label: { k: 'field.agencyCode' } } };
    else if (!pattern.test(value)) problem = { key: 'field.agencyCodePattern', vars: { label: { k: 'field.agencyCode' } } };
    if (problem) {
      setFieldError(code.input, code.error, problem);
      return showSummary(summary, [{ message: problem, target: code.input }]);
    }
    showSummary(summary, [], { focus: false });
    busy(submit, true);
    try {
      const answer = await getReceipts(value);
      const rows = answer.receipts.map((r) =>
        h('tr', {}, h('td', { class: 'mono', text: r.number }), h('td', {}, timeElement(r.receivedAt)), h('td', { i18n: `receipt.kind.${r.kind}` }), h('td', {}, h('span', { class: `tag ${r.status === 'done' || r.status === 'approved' ? 'ok' : r.status === 'rejected' ? 'err' : 'warn'}`, i18n: `receipt.status.${r.status}` }))),
      );
      results.append(
        h('section', { class: 'panel', 'aria-labelledby': 'receipts-result' },
          h('h2', { id: 'receipts-result', tabindex: '-1', i18n: 'receipts.resultTitle' }),
          h('table', { class: 'details' }, h('tbody', {}, h('tr', {}, h('th', { scope: 'row', i18n: 'field.agencyCodeShort' }), h('td', { class: 'mono', text: answer.agencyCode })), h('tr', {}, h('th', { scope: 'row', i18n: 'field.agencyName' }), h('td', { text: answer.agencyName })))),
          rows.length
            ? h('div', { class: 'table-wrap' }, h('table', { class: 'receipts' }, h('caption', { i18n: 'receipts.caption' }), h('thead', {}, h('tr', {}, ['receipt.number', 'receipt.receivedAt', 'receipt.kind', 'receipt.status'].map((k) => h('th', { scope: 'col', i18n: k })))), h('tbody', {}, rows)))
            : h('p', { class: 'notice', i18n: 'receipts.none' }),
        ),
      );
      results.querySelector('h2').focus();
    } catch (error) {
      const msg = error instanceof ApiError ? error.msg : 'error.unexpected';
      if (error instanceof ApiError && error.field === 'agencyCode') setFieldError(code.input, code.error, msg);
      showSummary(summary, [{ message: msg, target: code.input }]);
    } finally {
      busy(submit, false);
    }
  });
  mainElement.append(
    h('nav', { class: 'breadcrumb', attrs: { 'aria-label': 'nav.breadcrumb' } }, h('ol', {}, h('li', {}, h('a', { href: '/', i18n: 'nav.home' })), h('li', { i18n: 'nav.queries' }), h('li', { 'aria-current': 'page', i18n: 'fn.receipts' }))),
    h('h1', { i18n: 'fn.receipts' }),
    h('section', { class: 'panel', 'aria-labelledby': 'receipts-form' }, h('h2', { id: 'receipts-form', i18n: 'receipts.formTitle' }), h('p', { i18n: 'receipts.intro' }), form),
    results,
  );
}

main();
