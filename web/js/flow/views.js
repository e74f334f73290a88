// Views several functions share: the agency line, the certificates' details tables and the
// frame of a result page.
import { tx } from '../i18n.js';
import { h, uid, timeElement, detailsTable } from '../ui.js';
import { state } from './driver.js';

/// 機關代號 and name of the flow's agency, once the organisation card step named it.
export function agencyLine() {
  const v = state.flow.view;
  if (!v.agencyCode) return null;
  return h('p', { class: 'agency-line' }, h('span', { i18n: 'field.agencyCodeShort' }), h('span', { i18n: 'punct.colon' }), h('strong', { text: v.agencyCode }), ' ', h('span', { text: v.agencyName || '' }));
}

// ---------------------------------------------------------------------------------------------
// Certificates' details (圖3-9, 3-26, 3-31, 3-36)

export function caName(card) {
  if (!card || !card.ca) return '';
  return h('td', { msg: { zh: card.caName || card.ca, en: card.caNameEn || card.ca } });
}

export function validity(card) {
  if (!card.notBefore) return '';
  return h('td', {}, timeElement(card.notBefore), ' ~ ', timeElement(card.notAfter));
}

export function identifierType(card) {
  return card.identifierType ? h('td', { i18n: `cert.identifierType.${card.identifierType}` }) : '';
}

export function organisationTable(card, captionKey = 'cert.orgCaption') {
  return detailsTable(
    [
      ['cert.ca', caName(card)],
      ['cert.organisationName', card.organisationName],
      ['cert.identifier', card.identifier],
      ['cert.identifierTypeLabel', identifierType(card)],
      ['cert.serial', card.serial],
      ['cert.issuer', card.issuer],
      ['cert.subject', card.subject],
      ['cert.validity', validity(card)],
    ],
    captionKey,
  );
}

export function citizenTable(card, captionKey = 'cert.managerCaption') {
  return detailsTable(
    [
      ['cert.ca', caName(card)],
      ['cert.name', card.name],
      ['cert.idLast4', card.idLast4],
      ['cert.serial', card.serial],
      ['cert.issuer', card.issuer],
      ['cert.subject', card.subject],
      ['cert.validity', validity(card)],
    ],
    captionKey,
  );
}

// ---------------------------------------------------------------------------------------------
// Results

/// A success result's panel with its title; the caller appends the details, then `home`.
export function resultPanel(titleKey) {
  const headingId = uid('result');
  const section = h('section', { class: 'panel result success', 'aria-labelledby': headingId });
  const heading = h('h2', { id: headingId, class: 'result-title' });
  section.append(heading);
  const home = h('a', { class: 'button secondary', href: '/', i18n: 'nav.home' });
  tx(heading, titleKey);
  return { section, home };
}
