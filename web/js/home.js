// The home page: the function menu of the manual's 圖3-3.
import { initLayout } from './layout.js';
import { h } from './ui.js';

const CARDS = [
  { title: 'fn.first-registration', text: 'home.firstRegistration', links: [['fn.first-registration', '/flow.html?type=first-registration']] },
  { title: 'fn.authorisation', text: 'home.authorisation', links: [['fn.authorisation', '/flow.html?type=authorisation']] },
  {
    title: 'nav.replace',
    text: 'home.replace',
    links: [
      ['fn.replace-organisation', '/flow.html?type=replace-organisation'],
      ['fn.replace-manager', '/flow.html?type=replace-manager'],
      ['fn.replace-both', '/flow.html?type=replace-both'],
    ],
  },
  { title: 'fn.receipts', text: 'home.receipts', links: [['fn.receipts', '/receipts.html']] },
  { title: 'fn.query-serial', text: 'home.querySerial', links: [['fn.query-serial', '/flow.html?type=query-serial']] },
  { title: 'fn.query-oid', text: 'home.queryOid', links: [['fn.query-oid', '/flow.html?type=query-oid']] },
  { title: 'fn.operator-login', text: 'home.operatorLogin', links: [['fn.operator-login', '/flow.html?type=operator-login']] },
];

async function main() {
  const { main: mainElement } = await initLayout({ titleKey: 'site.title' });
  const list = h('ul', { class: 'menu-grid' });
  for (const card of CARDS) {
    list.append(
      h('li', {}, h('h2', { i18n: card.title }), h('p', { i18n: card.text }), h('ul', {}, card.links.map(([key, href]) => h('li', {}, h('a', { href, i18n: key }))))),
    );
  }
  mainElement.append(
    h('h1', { i18n: 'home.title' }),
    h('p', { i18n: 'home.intro' }),
    list,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'before-title' },
      h('h2', { id: 'before-title', i18n: 'home.beforeTitle' }),
      h('ul', {}, h('li', { i18n: 'home.before1' }), h('li', { i18n: 'home.before2' }), h('li', { i18n: 'home.before3' }), h('li', {}, h('span', { i18n: 'home.before4' }), ' ', h('a', { href: '/help.html', i18n: 'nav.help' }))),
    ),
  );
}

main();
