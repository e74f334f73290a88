// 回要保機關作業 (SPEC §3.5): an operator's citizen card → the agencies and the functions they
// granted. A renewed card not on file yet is told to ask the manager (card-steps.js, under
// NOT_REGISTERED_CARD).
import { h } from '../ui.js';
import { state, functionLabel, ordered } from './driver.js';
import { citizenStep } from './card-steps.js';
import { resultPanel } from './views.js';

export const operatorLogin = {
  'operator-login': {
    steps: ['citizen', 'done'],
    views: { citizen: () => citizenStep({ introKey: 'card.citizen.introLogin' }), done: grantsView },
  },
};

function grantsView() {
  const v = state.flow.view;
  const { section, home } = resultPanel('result.operator-login');
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
  return section;
}
