// 憑證申請說明: where agencies and people apply for cards (manual 第三章 二、三), from each CA
// profile's service block; the card agent; HiPKI Local Server where the deployment accepts it;
// the browser's local network access permission.
import { getConfig } from './api.js';
import { initLayout } from './layout.js';
import { h } from './ui.js';

function caEntry(ca) {
  const rows = [];
  if (ca.url) rows.push(h('li', {}, h('span', { i18n: 'help.site' }), h('span', { i18n: 'punct.colon' }), h('a', { href: ca.url, rel: 'noopener noreferrer', text: ca.url })));
  if (ca.phone) rows.push(h('li', {}, h('span', { i18n: 'help.phone' }), h('span', { i18n: 'punct.colon' }), h('span', { text: ca.phone })));
  if (ca.applyUrl) rows.push(h('li', {}, h('span', { i18n: 'help.apply' }), h('span', { i18n: 'punct.colon' }), h('a', { href: ca.applyUrl, rel: 'noopener noreferrer', text: ca.applyUrl })));
  return h('li', { class: 'ca-entry', dataset: { ca: ca.id } }, h('h3', { msg: { zh: ca.name, en: ca.nameEn } }), h('ul', {}, rows));
}

async function main() {
  const { main: mainElement } = await initLayout({ titleKey: 'nav.help' });
  const config = await getConfig().catch(() => ({ cas: [], sections: [] }));
  // The manual's order (第三章 二): GCA, XCA, MOEACA, HCA; a drop-in CA after them.
  const order = ['gca', 'xca', 'moeaca', 'hca'];
  const rank = (ca) => (order.includes(ca.id) ? order.indexOf(ca.id) : order.length);
  const organisation = (config.cas || []).filter((ca) => ca.kind === 'organisation').sort((a, b) => rank(a) - rank(b));
  const citizen = (config.cas || []).filter((ca) => ca.kind === 'citizen');
  mainElement.append(
    h('h1', { i18n: 'nav.help' }),
    h('section', { class: 'panel', id: 'organisation', 'aria-labelledby': 'help-org' }, h('h2', { id: 'help-org', i18n: 'help.orgTitle' }), h('p', { i18n: 'help.orgIntro' }), h('ul', { class: 'ca-list' }, organisation.map(caEntry))),
    h('section', { class: 'panel', id: 'citizen', 'aria-labelledby': 'help-citizen' }, h('h2', { id: 'help-citizen', i18n: 'help.citizenTitle' }), h('p', { i18n: 'help.citizenIntro' }), h('ul', { class: 'ca-list' }, citizen.map(caEntry))),
    h(
      'section',
      { class: 'panel', id: 'agent', 'aria-labelledby': 'help-agent' },
      h('h2', { id: 'help-agent', i18n: 'help.agentTitle' }),
      h('p', { i18n: 'help.agentIntro' }),
      h('ol', {}, h('li', { i18n: 'help.agent1' }), h('li', { i18n: 'help.agent2' }), h('li', { i18n: 'help.agent3' }), h('li', { i18n: 'help.agent4' })),
      h('p', { class: 'hint', i18n: 'help.agentAddress', vars: { url: config.agentUrl || 'http://127.0.0.1:27161' } }),
    ),
    // Only where the deployment accepts HiPKI's signatures (portal.hipki.enabled).
    config.hipki
      ? h(
          'section',
          { class: 'panel', id: 'hipki', 'aria-labelledby': 'help-hipki' },
          h('h2', { id: 'help-hipki', i18n: 'help.hipkiTitle' }),
          h('p', { i18n: 'help.hipkiIntro' }),
          h('ol', {}, h('li', { i18n: 'help.hipki1' }), h('li', { i18n: 'help.hipki2' }), h('li', { i18n: 'help.hipki3' }), h('li', { i18n: 'help.hipki4' })),
          h('p', { class: 'hint', i18n: 'help.hipkiAddress', vars: { url: config.hipkiLocalServer || 'http://localhost:61161' } }),
        )
      : '',
    h(
      'section',
      { class: 'panel', id: 'local-network', 'aria-labelledby': 'help-lna' },
      h('h2', { id: 'help-lna', i18n: 'help.lnaTitle' }),
      h('p', { i18n: 'help.lnaIntro' }),
      h('ol', {}, h('li', { i18n: 'help.lna1' }), h('li', { i18n: 'help.lna2' }), h('li', { i18n: 'help.lna3' })),
      h('p', { i18n: 'help.lnaManaged' }),
    ),
    h(
      'section',
      { class: 'panel', id: 'contact', 'aria-labelledby': 'help-contact' },
      h('h2', { id: 'help-contact', i18n: 'help.contactTitle' }),
      h('p', {}, h('strong', { i18n: 'contact.main', vars: { phone: (config.sections && config.sections[0] && config.sections[0].phone) || '(02)27013411' } })),
      h('ul', { class: 'contact-list' }, (config.sections || []).map((s) => h('li', {}, h('span', { msg: { zh: s.name, en: s.nameEn } }), ' ', h('span', { i18n: 'contact.ext', vars: { extension: s.extension } }), ' ', h('span', { i18n: 'contact.regions', vars: { regions: { zh: (s.regions || []).join('、'), en: (s.regions || []).join(', ') } } })))),
    ),
  );
  if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
}

main();
