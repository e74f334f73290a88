// What every admin view shares: the page state, the admin API with its CSRF token (a lost
// session shows the sign-in again), and small table and label helpers.
import { ApiError, request } from '/js/api.js';
import { h } from '/js/ui.js';

export const CSRF_KEY = 'certgate.admin.csrf';
export const state = { main: null, header: null, staff: null, config: null, functions: [], staffNames: null };
/// Set by admin.js: the sign-in (when the session is gone) and the router.
export const hooks = { showLogin: () => {}, route: () => {} };

export function csrf() {
  try {
    return sessionStorage.getItem(CSRF_KEY) || '';
  } catch {
    return '';
  }
}

export async function api(method, path, body, options = {}) {
  try {
    return await request(method, `/admin/api/v1${path}`, { body, csrf: method === 'GET' ? undefined : csrf(), ...options });
  } catch (error) {
    if (error instanceof ApiError && (error.code === 'SESSION_INVALID' || (error.code === 'CSRF_INVALID' && !csrf()))) {
      hooks.showLogin(error);
    }
    throw error;
  }
}

export function errorNotice(error) {
  return error instanceof ApiError ? h('p', { class: 'notice err', role: 'alert', msg: error.msg }) : h('p', { class: 'notice err', role: 'alert', i18n: 'error.unexpected' });
}

export function functionLabel(id) {
  const f = state.functions.find((x) => x.id === id);
  return f ? { zh: f.label, en: f.labelEn || f.label } : { zh: id, en: id };
}

export function table(captionKey, columns, rows, className = '') {
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: className }, captionKey ? h('caption', { i18n: captionKey }) : null, h('thead', {}, h('tr', {}, columns.map((key) => h('th', { scope: 'col', i18n: key })))), h('tbody', {}, rows)),
  );
}

export function cell(value, className) {
  if (value instanceof Node) return h('td', { class: className }, value);
  return h('td', { class: className, text: value ?? '' });
}

/// A CA plugin id ("gca") as its display name from the profiles.
export function caName(id) {
  const ca = ((state.config && state.config.cas) || []).find((x) => x.id === id);
  return ca ? h('td', { msg: { zh: ca.name, en: ca.nameEn } }) : id;
}

/// Staff ids (as reviews record them) → names, from the allow-list.
export async function staffNames() {
  if (!state.staffNames) {
    state.staffNames = new Map();
    try {
      for (const s of (await api('GET', '/staff')).staff) state.staffNames.set(s.id, s.name);
    } catch {
      // names are a convenience: ids are shown instead
    }
  }
  return state.staffNames;
}

export function statusTag(kind, value) {
  const cls = { pending: 'warn', approved: 'ok', rejected: 'err', done: 'ok', 'under-review': 'warn' }[value] || '';
  return h('span', { class: `tag ${cls}`, i18n: `${kind}.${value}` });
}
