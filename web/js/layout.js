// The frame every portal page shares: header with the language switch, the manual's left
// function column (功能列, 圖3-3), the main region and the footer.
import { initI18n, setLang, lang, tx } from './i18n.js';
import { h } from './ui.js';

/// The portal's functions, in the manual's order (圖3-3 and its left column).
export const MENU = [
  { group: 'nav.firstRegistration', items: [{ key: 'fn.first-registration', href: '/flow.html?type=first-registration' }] },
  { group: 'nav.authorisation', items: [{ key: 'fn.authorisation', href: '/flow.html?type=authorisation' }] },
  {
    group: 'nav.replace',
    items: [
      { key: 'fn.replace-organisation', href: '/flow.html?type=replace-organisation' },
      { key: 'fn.replace-manager', href: '/flow.html?type=replace-manager' },
      { key: 'fn.replace-both', href: '/flow.html?type=replace-both' },
    ],
  },
  {
    group: 'nav.queries',
    items: [
      { key: 'fn.receipts', href: '/receipts.html' },
      { key: 'fn.query-oid', href: '/flow.html?type=query-oid' },
      { key: 'fn.query-serial', href: '/flow.html?type=query-serial' },
    ],
  },
  { key: 'nav.home', href: '/' },
  { key: 'fn.operator-login', href: '/flow.html?type=operator-login' },
  { key: 'nav.help', href: '/help.html' },
];

function isCurrent(href) {
  const here = new URL(location.href);
  const target = new URL(href, location.origin);
  if (target.pathname !== here.pathname && !(target.pathname === '/' && here.pathname === '/index.html')) return false;
  const type = target.searchParams.get('type');
  return !type || type === here.searchParams.get('type');
}

function navLink(item) {
  const link = h('a', { href: item.href, i18n: item.key });
  if (isCurrent(item.href)) link.setAttribute('aria-current', 'page');
  return link;
}

function sideNav() {
  const list = h('ul');
  for (const entry of MENU) {
    if (entry.group) {
      list.append(h('li', { class: 'group' }, h('span', { i18n: entry.group }), h('ul', {}, entry.items.map((item) => h('li', {}, navLink(item))))));
    } else {
      list.append(h('li', {}, navLink(entry)));
    }
  }
  return h('nav', { class: 'side-nav', 'aria-labelledby': 'side-nav-title' }, h('h2', { id: 'side-nav-title', i18n: 'nav.title' }), list);
}

export function languageButton() {
  const button = h('button', { type: 'button', class: 'lang-switch' });
  const render = () => {
    // The button names the language it switches to, in that language.
    if (lang() === 'en') {
      button.textContent = '中文';
      button.setAttribute('lang', 'zh-Hant');
      button.setAttribute('aria-label', '切換為中文');
    } else {
      button.textContent = 'English';
      button.setAttribute('lang', 'en');
      button.setAttribute('aria-label', 'Switch to English');
    }
  };
  render();
  button.addEventListener('click', () => setLang(lang() === 'en' ? 'zh-TW' : 'en'));
  document.addEventListener('langchange', render);
  return button;
}

/**
 * Builds the page frame into <body> and returns the <main> element.
 *   options.admin: the admin pages' header (no portal function column)
 */
export async function initLayout({ admin = false, titleKey } = {}) {
  await initI18n();
  const app = document.getElementById('app') || document.body;
  app.textContent = '';
  const title = h('p', { class: 'site-title' }, h('a', { href: admin ? '/admin/' : '/' }, h('span', { i18n: admin ? 'site.adminTitle' : 'site.title' })), h('small', { i18n: admin ? 'site.adminSubtitle' : 'site.subtitle' }));
  const headerExtra = h('div', { class: 'header-extra' });
  const header = h('header', { class: 'site-header' }, h('div', { class: 'inner' }, title, headerExtra, languageButton()));
  const main = h('main', { id: 'main', tabindex: '-1' });
  const body = admin ? h('div', { class: 'layout admin-layout' }, main) : h('div', { class: 'layout' }, sideNav(), main);
  const footer = h('footer', { class: 'site-footer' }, h('p', { i18n: 'site.footer' }));
  app.append(header, body, footer);
  if (admin) body.classList.add('single');
  if (titleKey) {
    const titleElement = document.querySelector('title') || document.head.appendChild(document.createElement('title'));
    tx(titleElement, titleKey);
    document.title = titleElement.textContent;
  }
  return { main, headerExtra };
}
