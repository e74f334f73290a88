// The card queries (manual 第三章 七(二), 七(三)): 查詢機關憑證 OID (an organisation card with an
// agency code → the organisation's name, OID and CA) and 查詢自然人憑證序號 (a citizen card with
// its national ID → the name and the serial, with a copy button). The receipts query
// (七(一)) needs no card: receipts-page.js.
import { h, statusRegion, setStatus, detailsTable } from '../ui.js';
import { state } from './driver.js';
import { organisationStep, citizenStep, nationalIdField } from './card-steps.js';
import { caName, validity, identifierType, resultPanel } from './views.js';

export const queries = {
  'query-oid': {
    steps: ['organisation', 'done'],
    views: { organisation: () => organisationStep(), done: oidResultView },
  },
  'query-serial': {
    steps: ['citizen', 'done'],
    views: { citizen: () => citizenStep({ introKey: 'card.citizen.introQuery', fields: [nationalIdField('field.nationalId')] }), done: serialResultView },
  },
};

function queryAgain() {
  return h('a', { class: 'button', href: location.pathname + location.search, i18n: 'result.queryAgain' });
}

function oidResultView() {
  const v = state.flow.view;
  const { section, home } = resultPanel('result.query-oid');
  const card = v.organisation || {};
  section.append(
    detailsTable(
      [
        ['field.agencyCodeShort', v.agencyCode],
        ['result.agencyNameOnFile', v.agencyName],
        ['cert.organisationName', card.organisationName],
        ['cert.oid', card.identifier],
        ['cert.identifierTypeLabel', identifierType(card)],
        ['cert.ca', caName(card)],
        ['cert.serial', card.serial],
        ['cert.validity', validity(card)],
      ],
      'result.queryCaption',
    ),
    h('div', { class: 'actions' }, queryAgain(), home),
  );
  return section;
}

function serialResultView() {
  const v = state.flow.view;
  const { section, home } = resultPanel('result.query-serial');
  const card = v.citizen || {};
  const copy = h('button', { type: 'button', class: 'secondary small', i18n: 'result.copySerial' });
  const copied = statusRegion();
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(card.serial);
      setStatus(copied, 'result.copied');
    } catch {
      setStatus(copied, 'result.copyFailed', 'warn');
    }
  });
  section.append(
    detailsTable(
      [
        ['cert.name', card.name],
        ['cert.citizenSerial', h('td', {}, h('span', { class: 'mono serial-value', text: card.serial }), ' ', copy)],
        ['cert.ca', caName(card)],
        ['cert.validity', validity(card)],
      ],
      'result.queryCaption',
    ),
    copied,
    h('p', { class: 'hint', i18n: 'result.serialUse' }),
    h('div', { class: 'actions' }, queryAgain(), home),
  );
  return section;
}
