// zh-TW by default, English on request. The choice persists (localStorage) and switching
// re-renders in place: every piece of text a page shows is tagged with its dictionary key
// (data-i18n, with data-i18n-vars) or with both languages (data-zh / data-en, for texts that
// come from the server or the agent), so a switch rewrites text without resetting a form the
// user is filling in.
const STORAGE_KEY = 'certgate.lang';
const LANGS = { 'zh-TW': 'zh-Hant', en: 'en' };
const dictionaries = { 'zh-TW': {}, en: {} };
let current = 'zh-TW';
try {
  if (localStorage.getItem(STORAGE_KEY) === 'en') current = 'en';
} catch {
  // Storage may be disabled; zh-TW it is.
}

export async function initI18n() {
  await Promise.all(
    Object.keys(dictionaries).map(async (lang) => {
      const response = await fetch(new URL(`../i18n/${lang}.json`, import.meta.url));
      dictionaries[lang] = await response.json();
    }),
  );
  document.documentElement.lang = LANGS[current];
  apply(document);
}

export function lang() {
  return current;
}

export function isEnglish() {
  return current === 'en';
}

export function setLang(next) {
  current = next === 'en' ? 'en' : 'zh-TW';
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // not persisted; still switched for this page
  }
  document.documentElement.lang = LANGS[current];
  apply(document);
  document.dispatchEvent(new CustomEvent('langchange', { detail: { lang: current } }));
}

function resolveVar(value) {
  if (value && typeof value === 'object') {
    // A label used inside a sentence ("請輸入{label}") drops its trailing colon.
    if ('k' in value) return t(value.k, value.vars).replace(/[:：]\s*$/, '');
    if ('zh' in value || 'en' in value) return current === 'en' ? value.en ?? value.zh : value.zh ?? value.en;
  }
  return value ?? '';
}

/// The text of `key` in the current language, with {name} placeholders filled from `vars`.
export function t(key, vars) {
  const text = dictionaries[current][key] ?? dictionaries['zh-TW'][key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in vars ? String(resolveVar(vars[name])) : match));
}

/// Gives `element` the text of `key` and keeps it in step with the language.
export function tx(element, key, vars) {
  element.dataset.i18n = key;
  if (vars) element.dataset.i18nVars = JSON.stringify(vars);
  else delete element.dataset.i18nVars;
  element.textContent = t(key, vars);
  return element;
}

/// Gives `element` a text that exists in both languages (the server's message/messageEn).
export function localized(element, zh, en) {
  delete element.dataset.i18n;
  element.dataset.zh = zh ?? '';
  element.dataset.en = en || zh || '';
  element.textContent = current === 'en' ? element.dataset.en : element.dataset.zh;
  return element;
}

/// Translated attributes: attr('placeholder', key) style pairs, kept in step like tx.
export function txAttr(element, attribute, key, vars) {
  const map = element.dataset.i18nAttr ? JSON.parse(element.dataset.i18nAttr) : {};
  map[attribute] = vars ? { key, vars } : { key };
  element.dataset.i18nAttr = JSON.stringify(map);
  element.setAttribute(attribute, t(key, vars));
  return element;
}

export function apply(root) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    const vars = element.dataset.i18nVars ? JSON.parse(element.dataset.i18nVars) : undefined;
    element.textContent = t(element.dataset.i18n, vars);
  }
  for (const element of root.querySelectorAll('[data-zh]')) {
    element.textContent = current === 'en' ? element.dataset.en : element.dataset.zh;
  }
  for (const element of root.querySelectorAll('[data-i18n-attr]')) {
    const map = JSON.parse(element.dataset.i18nAttr);
    for (const [attribute, { key, vars }] of Object.entries(map)) element.setAttribute(attribute, t(key, vars));
  }
  const title = document.querySelector('title[data-i18n]');
  if (title) document.title = title.textContent;
}
