// The card steps of the functions (manual 圖3-5, 3-7, 3-8): the shared CardStep (cardstep.js)
// wired to the flow — the organisation card with its 機關代號, the manager's citizen card with
// the 身分證統一編號, and a citizen card on its own (queries, operator login).
import { CardStep } from '../cardstep.js';
import { h } from '../ui.js';
import { state, advance, flowLost } from './driver.js';
import { pendingDetails } from './review.js';
import { agencyLine } from './views.js';

export const NATIONAL_ID = /^[A-Z][12890ABCD][0-9]{8}$/;

function cardStep(options) {
  const step = new CardStep({
    flow: state.flow,
    agent: state.agent,
    hipki: state.hipki,
    onResult: (view, error) => advance(view, error),
    onFlowLost: flowLost,
    decorateError: (error) => (error.code === 'REVIEW_PENDING' ? pendingDetails(error) : error.code === 'NOT_REGISTERED_CARD' && error.body.operatorLogin ? h('p', { i18n: 'login.notOnFile' }) : null),
    ...options,
  });
  step.start();
  return step.element;
}

function agencyCodeField() {
  const pattern = new RegExp(state.config.agencyCodePattern || '^[0-9A-Z]{5}$');
  return { name: 'agencyCode', label: 'field.agencyCode', hint: 'field.agencyCodeHint', pattern, patternKey: 'field.agencyCodePattern', transform: (v) => v.toUpperCase(), maxlength: 20, className: 'short', autocomplete: 'off' };
}

export function nationalIdField(label = 'field.managerNationalId') {
  return { name: 'nationalId', label, hint: 'field.nationalIdHint', pattern: NATIONAL_ID, patternKey: 'field.nationalIdPattern', transform: (v) => v.toUpperCase(), maxlength: 10, className: 'short' };
}

/// The organisation card; `isNew`: the replacement's NEW card (更換機關憑證).
export function organisationStep({ isNew = false } = {}) {
  return cardStep({
    purpose: 'organisation',
    endpoint: '/organisation-card',
    headingKey: 'card.org.title',
    introKeys: [isNew ? 'card.org.introNew' : 'card.org.intro'],
    cardLabelKey: isNew ? 'card.org.selectNew' : 'card.org.select',
    pinLabelKey: isNew ? 'card.org.pinNew' : 'card.org.pin',
    fields: [agencyCodeField()],
  });
}

/// The manager's citizen card; `isNew`: the replacement's NEW manager (更換授權管理者).
export function managerStep({ isNew = false } = {}) {
  const agency = agencyLine();
  const step = cardStep({
    purpose: 'manager',
    endpoint: '/manager-card',
    headingKey: 'card.manager.title',
    introKeys: [isNew ? 'card.manager.introNew' : 'card.manager.intro'],
    cardLabelKey: isNew ? 'card.manager.selectNew' : 'card.manager.select',
    pinLabelKey: 'card.citizen.pin',
    fields: [nationalIdField()],
  });
  if (agency) step.insertBefore(agency, step.children[1]);
  return step;
}

/// A citizen card alone: `introKey` says what for, `fields` what is typed beside it.
export function citizenStep({ introKey, fields = [] }) {
  return cardStep({
    purpose: 'citizen',
    endpoint: '/citizen-card',
    headingKey: 'card.citizen.title',
    introKeys: [introKey],
    cardLabelKey: 'card.citizen.select',
    pinLabelKey: 'card.citizen.pin',
    fields,
  });
}
