// Small DOM helpers shared by the portal and admin pages: element building, accessible form
// fields with their error slots, the error summary, dates in Asia/Taipei, the confirm dialog.
import { t, tx, txAttr, localized, isEnglish } from './i18n.js';

let idCounter = 0;
export function uid(prefix = 'cg') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/// h('p', {class: 'x', i18n: 'key', vars: {...}}, ...children)
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') element.className = value;
    else if (key === 'i18n') tx(element, value, props.vars);
    else if (key === 'vars') continue;
    else if (key === 'text') element.textContent = value;
    else if (key === 'msg') localized(element, value.zh, value.en);
    else if (key === 'attrs') for (const [a, k] of Object.entries(value)) txAttr(element, a, k);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') element.addEventListener(key.slice(2), value);
    else if (value === true) element.setAttribute(key, '');
    else element.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

/**
 * A labelled input with its hint and its error slot, wired for assistive technology:
 * label[for], aria-describedby (hint + error), aria-invalid when the error is set.
 *   spec: { name, label (key), hint (key)?, required?, type?, inputmode?, autocomplete?,
 *           maxlength?, pattern?, value?, placeholder (key)?, className? }
 */
export function field(spec) {
  const id = spec.id || uid(spec.name);
  const input = h(spec.multiline ? 'textarea' : 'input', {
    id,
    name: spec.name,
    type: spec.multiline ? undefined : spec.type || 'text',
    inputmode: spec.inputmode,
    autocomplete: spec.autocomplete || 'off',
    maxlength: spec.maxlength,
    required: spec.required,
    'aria-required': spec.required ? 'true' : undefined,
    spellcheck: 'false',
    class: spec.className,
  });
  if (spec.value !== undefined) input.value = spec.value;
  if (spec.placeholder) txAttr(input, 'placeholder', spec.placeholder);
  const label = h('label', { for: id }, spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, '*') : null, h('span', { i18n: spec.label, vars: spec.labelVars }));
  const hint = spec.hint ? h('p', { class: 'hint', id: `${id}-hint`, i18n: spec.hint, vars: spec.hintVars }) : null;
  const error = h('p', { class: 'field-error', id: `${id}-error` });
  input.setAttribute('aria-describedby', [hint ? hint.id : null, error.id].filter(Boolean).join(' '));
  const wrapper = h('div', { class: 'field', dataset: { field: spec.name } }, label, hint, input, error);
  return { wrapper, input, error, label };
}

/// Marks a field (input, select or fieldset) invalid with `message` ({zh,en} or a key).
export function setFieldError(control, errorElement, message) {
  control.setAttribute('aria-invalid', 'true');
  if (typeof message === 'string') tx(errorElement, message);
  else if (message && message.key) tx(errorElement, message.key, message.vars);
  else localized(errorElement, message.zh, message.en);
}

export function clearFieldErrors(root) {
  for (const control of root.querySelectorAll('[aria-invalid="true"]')) control.removeAttribute('aria-invalid');
  for (const error of root.querySelectorAll('.field-error')) {
    delete error.dataset.i18n;
    delete error.dataset.zh;
    delete error.dataset.en;
    error.textContent = '';
  }
}

/**
 * The error summary at the top of a form: a list of messages, each linking to its field; the
 * region is focused so a screen reader announces it and a keyboard user lands on it.
 *   items: [{ message: {zh,en} | key | {key, vars}, target?: element }]
 */
export function showSummary(summary, items, { focus = true } = {}) {
  clear(summary);
  if (!items.length) {
    summary.hidden = true;
    return;
  }
  summary.hidden = false;
  const list = h('ul');
  for (const item of items) {
    const text = h('span');
    if (typeof item.message === 'string') tx(text, item.message);
    else if (item.message.key) tx(text, item.message.key, item.message.vars);
    else localized(text, item.message.zh, item.message.en);
    if (item.target && item.target.id) {
      const link = h('a', { href: `#${item.target.id}` }, text);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        item.target.focus();
      });
      list.append(h('li', {}, link));
    } else {
      list.append(h('li', {}, text));
    }
    if (item.extra) list.lastChild.append(item.extra);
  }
  summary.append(h('h2', { i18n: 'form.errorsTitle' }), list);
  if (focus) summary.focus();
}

export function errorSummary() {
  return h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
}

/// A polite live region for successes and progress ("新增成功", "簽章中…").
export function statusRegion() {
  return h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
}

export function setStatus(region, message, kind = 'ok') {
  clear(region);
  if (!message) return;
  const p = h('p', { class: `notice ${kind}` });
  if (typeof message === 'string') tx(p, message);
  else if (message.key) tx(p, message.key, message.vars);
  else localized(p, message.zh, message.en);
  region.append(p);
}

// Dates: the bureau works in Asia/Taipei whatever the PC's time zone.
function parts(value) {
  const date = value instanceof Date ? value : new Date(typeof value === 'number' ? value * 1000 : value);
  if (Number.isNaN(date.getTime())) return null;
  const formatter = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Taipei',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  const p = Object.fromEntries(formatter.formatToParts(date).map((x) => [x.type, x.value]));
  return p;
}

export function formatDateTime(value, { seconds = false } = {}) {
  const p = parts(value);
  if (!p) return '';
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ''}`;
}

export function formatDate(value) {
  const p = parts(value);
  return p ? `${p.year}-${p.month}-${p.day}` : '';
}

/// An element showing a Taipei time, labelled as such for people in other time zones.
export function timeElement(value, options) {
  const text = formatDateTime(value, options);
  const iso = value instanceof Date ? value.toISOString() : typeof value === 'number' ? new Date(value * 1000).toISOString() : value;
  return h('time', { datetime: iso, title: t('time.taipei') }, text);
}

/**
 * An accessible confirmation dialog (<dialog>, modal): resolves true on confirm, false on
 * cancel or Escape. Focus starts on the cancel button (the safe choice) and returns to the
 * element that opened it.
 */
export function confirmDialog({ title, body, confirmKey = 'action.confirm', cancelKey = 'action.cancel', danger = false }) {
  return new Promise((resolve) => {
    const opener = document.activeElement;
    const titleId = uid('dialog-title');
    const bodyId = uid('dialog-body');
    const confirm = h('button', { type: 'button', class: danger ? 'danger' : '', i18n: confirmKey });
    const cancel = h('button', { type: 'button', class: 'secondary', i18n: cancelKey });
    const titleEl = h('h2', { id: titleId });
    if (typeof title === 'string') tx(titleEl, title);
    else tx(titleEl, title.key, title.vars);
    const bodyEl = h('p', { id: bodyId });
    if (typeof body === 'string') tx(bodyEl, body);
    else tx(bodyEl, body.key, body.vars);
    const dialog = h('dialog', { 'aria-labelledby': titleId, 'aria-describedby': bodyId }, titleEl, bodyEl, h('div', { class: 'actions' }, confirm, cancel));
    document.body.append(dialog);
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener && opener.focus) opener.focus();
      resolve(answer);
    };
    confirm.addEventListener('click', () => finish(true));
    cancel.addEventListener('click', () => finish(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(false);
    });
    dialog.showModal();
    cancel.focus();
  });
}

/// "<label>: <value>" rows of a details table; rows whose value is empty are left out.
export function detailsTable(rows, captionKey) {
  const body = h('tbody');
  for (const [labelKey, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    const cell = value instanceof Node ? value : h('td', { class: 'mono' }, String(value));
    body.append(h('tr', {}, h('th', { scope: 'row', i18n: labelKey }), cell instanceof HTMLTableCellElement ? cell : h('td', {}, cell)));
  }
  return h('table', { class: 'details' }, captionKey ? h('caption', { i18n: captionKey }) : null, body);
}

export function busy(button, on) {
  button.disabled = on;
  if (on) button.setAttribute('aria-busy', 'true');
  else button.removeAttribute('aria-busy');
}

export function englishOr(zh, en) {
  return isEnglish() ? en || zh : zh;
}
