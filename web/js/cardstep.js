// The card step (manual 圖3-5, 3-7, 3-8): choose the reader and card the agent lists, type the
// PIN, and the page has the server's challenge signed by the card and sends the token to the
// server. Also the card picker alone, for reading an operator's certificate without a PIN.
//
// The PIN: typed into a password field (inputmode numeric, autocomplete off), read once at
// submit, the field cleared at once, sent in the body of the agent's POST /v1/sign and nowhere
// else; never stored, never logged.
import { AgentError, AgentUnreachable } from './agent.js';
import { ApiError } from './api.js';
import { h, clear, field, uid, setFieldError, clearFieldErrors, showSummary, errorSummary, statusRegion, setStatus, busy } from './ui.js';

const PIN_CODES = new Set(['PIN_INCORRECT', 'PIN_FINAL_TRY', 'PIN_LOCKED', 'PIN_ATTEMPTS_LIMITED']);
const CARD_CODES = new Set(['NO_CARD', 'CARD_REMOVED', 'CARD_NOT_INITIALISED', 'NO_SIGNING_CERTIFICATE', 'NO_READER', 'BUSY']);

/// Guidance for an unreachable agent, by reason; each with a retry button.
function unreachableGuidance(reason, retry) {
  const box = h('div', { class: 'notice err agent-guidance', dataset: { reason } });
  if (reason === 'lna-denied') {
    box.append(
      h('p', {}, h('strong', { i18n: 'agent.lnaDenied.title' })),
      h('p', { i18n: 'agent.lnaDenied.text' }),
      h('ol', {}, h('li', { i18n: 'agent.lnaDenied.step1' }), h('li', { i18n: 'agent.lnaDenied.step2' }), h('li', { i18n: 'agent.lnaDenied.step3' })),
      h('p', { i18n: 'agent.lnaDenied.managed' }),
    );
  } else if (reason === 'origin-refused') {
    box.append(h('p', {}, h('strong', { i18n: 'agent.originRefused.title' })), h('p', { i18n: 'agent.originRefused.text' }));
  } else {
    box.append(
      h('p', {}, h('strong', { i18n: 'agent.notRunning.title' })),
      h('p', { i18n: 'agent.notRunning.text' }),
      h('ul', {}, h('li', { i18n: 'agent.notRunning.start' }), h('li', { i18n: 'agent.notRunning.keep' }), h('li', {}, h('span', { i18n: 'agent.notRunning.install' }), ' ', h('a', { href: '/help.html#agent', i18n: 'agent.notRunning.helpLink' }))),
    );
  }
  const button = h('button', { type: 'button', class: 'secondary', i18n: 'agent.retry' });
  button.addEventListener('click', retry);
  box.append(h('p', {}, button));
  return box;
}

/**
 * Readers and cards from the agent, with the card's PIN state. Handles the agent's absence
 * and the Local Network Access permission (explained before the first call).
 */
export class CardPicker {
  constructor({ agent, labelKey = 'card.selectLabel', onReady } = {}) {
    this.agent = agent;
    this.onReady = onReady;
    this.tokens = [];
    this.status = h('div', { class: 'agent-status', 'aria-live': 'polite' });
    const id = uid('card');
    this.select = h('select', { id, name: 'token', required: true, 'aria-required': 'true' });
    this.error = h('p', { class: 'field-error', id: `${id}-error` });
    this.flags = h('div', { class: 'token-flags', id: `${id}-flags`, 'aria-live': 'polite' });
    this.select.setAttribute('aria-describedby', `${id}-flags ${id}-error`);
    this.refreshButton = h('button', { type: 'button', class: 'secondary small', i18n: 'card.refresh' });
    this.refreshButton.addEventListener('click', () => this.loadTokens({ announce: true }));
    this.select.addEventListener('change', () => this.showFlags());
    this.row = h(
      'div',
      { class: 'field card-select', dataset: { field: 'token' }, hidden: true },
      h('label', { for: id }, h('span', { class: 'req', 'aria-hidden': 'true' }, '*'), h('span', { i18n: labelKey })),
      h('div', { class: 'reader-row' }, this.select, this.refreshButton),
      this.flags,
      this.error,
    );
    this.element = h('div', { class: 'card-picker' }, this.status, this.row);
  }

  get ready() {
    return !this.row.hidden;
  }

  async start() {
    // Browsers offer the local network permission to secure contexts only: the portal must be
    // opened over HTTPS (http://localhost aside).
    if (!window.isSecureContext) {
      clear(this.status);
      this.status.append(h('div', { class: 'notice err' }, h('p', {}, h('strong', { i18n: 'agent.insecure.title' })), h('p', { i18n: 'agent.insecure.text' })));
      return undefined;
    }
    if (this.agent.version) return this.loadTokens();
    const state = await this.agent.permissionState();
    if (state === 'prompt') return this.explainPrompt();
    if (state === 'denied') return this.showUnreachable('lna-denied');
    return this.connect();
  }

  /// Before the browser's Local Network Access prompt: say what it is and what to answer.
  explainPrompt() {
    clear(this.status);
    const button = h('button', { type: 'button', i18n: 'agent.connect' });
    button.addEventListener('click', () => this.connect());
    this.status.append(
      h(
        'div',
        { class: 'notice warn lna-explain' },
        h('p', {}, h('strong', { i18n: 'agent.lnaPrompt.title' })),
        h('p', { i18n: 'agent.lnaPrompt.text' }),
        h('p', { i18n: 'agent.lnaPrompt.allow' }),
        h('p', { class: 'hint', i18n: 'agent.lnaPrompt.safe' }),
        h('p', {}, button),
      ),
    );
    this.row.hidden = true;
  }

  showUnreachable(reason) {
    clear(this.status);
    this.row.hidden = true;
    this.status.append(unreachableGuidance(reason, () => this.connect()));
  }

  async connect() {
    clear(this.status);
    this.status.append(h('p', { class: 'notice', i18n: 'agent.detecting' }));
    try {
      await this.agent.detect();
    } catch (error) {
      if (error instanceof AgentUnreachable) return this.showUnreachable(error.reason);
      return this.showAgentError(error);
    }
    return this.loadTokens();
  }

  showAgentError(error) {
    clear(this.status);
    this.row.hidden = true;
    const box = h('div', { class: 'notice err' });
    if (error instanceof AgentError) box.append(h('p', { msg: error.msg }));
    else box.append(h('p', { i18n: 'agent.unexpected' }));
    const button = h('button', { type: 'button', class: 'secondary', i18n: 'agent.retry' });
    button.addEventListener('click', () => this.connect());
    box.append(h('p', {}, button));
    this.status.append(box);
  }

  async loadTokens({ announce = false } = {}) {
    let answer;
    try {
      answer = await this.agent.tokens();
    } catch (error) {
      if (error instanceof AgentUnreachable) return this.showUnreachable(error.reason);
      return this.showAgentError(error);
    }
    const previous = this.select.value;
    this.tokens = answer.tokens || [];
    clear(this.select);
    clear(this.status);
    const present = this.tokens.filter((token) => token.present);
    const version = this.agent.version ? this.agent.version.version : '';
    this.status.append(h('p', { class: 'notice ok agent-ok', i18n: 'agent.connected', vars: { version } }));
    if (answer.error) this.status.append(h('p', { class: 'notice warn', msg: { zh: answer.message, en: answer.messageEn } }));
    else if (!present.length) this.status.append(h('p', { class: 'notice warn', i18n: 'card.noneInserted' }));
    this.select.append(h('option', { value: '', i18n: 'card.choose' }));
    for (const token of this.tokens) {
      const reader = token.reader || token.slotDescription || '';
      if (token.present) {
        this.select.append(h('option', { value: token.label, text: reader && reader !== token.label ? `${token.label}(${reader})` : token.label }));
      } else {
        this.select.append(h('option', { value: '', disabled: true, i18n: 'card.readerEmpty', vars: { reader } }));
      }
    }
    if (present.some((token) => token.label === previous)) this.select.value = previous;
    else if (present.length === 1) this.select.value = present[0].label;
    this.row.hidden = false;
    this.showFlags();
    if (announce) setStatus(this.flags, null);
    if (this.onReady) this.onReady();
  }

  selected() {
    return this.tokens.find((token) => token.present && token.label === this.select.value) || null;
  }

  /// The card's PIN state, from the token flags (manual: cards lock after three wrong PINs).
  showFlags() {
    clear(this.flags);
    const token = this.selected();
    if (!token || !token.flags) return;
    const f = token.flags;
    let key = null;
    let kind = 'warn';
    if (!f.pinInitialized) [key, kind] = ['card.flag.notInitialised', 'err'];
    else if (f.pinLocked) [key, kind] = ['card.flag.locked', 'err'];
    else if (f.pinFinalTry) key = 'card.flag.finalTry';
    else if (f.pinCountLow) key = 'card.flag.countLow';
    if (key) this.flags.append(h('p', { class: `notice ${kind}`, i18n: key }));
  }

  /// Why the selected card cannot be used now, or null.
  problem() {
    if (!this.ready) return { key: 'card.agentNotReady' };
    const token = this.selected();
    if (!token) return { key: 'card.required' };
    if (token.flags && !token.flags.pinInitialized) return { key: 'card.flag.notInitialised' };
    if (token.flags && token.flags.pinLocked) return { key: 'card.flag.locked' };
    return null;
  }
}

/**
 * A card step form.
 *   flow, agent, purpose ('organisation' | 'manager' | 'citizen'), endpoint ('/organisation-card'…)
 *   headingKey, introKeys[], cardLabelKey, pinLabelKey, submitKey
 *   fields: [{ name, label, hint, required, pattern (RegExp), patternKey, transform(value),
 *              inputmode, maxlength, className }]
 *   onResult(view, error?)   the flow moved on (error: a refusal that moved it, OID_MISMATCH)
 *   decorateError(error)     extra content under a server error (contacts…), or null
 *   onFlowLost(error)        the flow is gone (expired, unknown, session): start again
 */
export class CardStep {
  constructor(options) {
    this.options = options;
    const { agent, headingKey, introKeys = [], cardLabelKey, pinLabelKey, submitKey = 'action.confirm', fields = [] } = options;
    this.picker = new CardPicker({ agent, labelKey: cardLabelKey });
    this.summary = errorSummary();
    this.progress = statusRegion();
    this.inputs = {};
    const form = h('form', { novalidate: true, class: 'card-form' });
    form.append(this.picker.element);
    for (const spec of fields) {
      const f = field({ ...spec, required: spec.required !== false });
      this.inputs[spec.name] = { ...f, spec };
      form.append(f.wrapper);
    }
    const pin = field({ name: 'pin', label: pinLabelKey, type: 'password', inputmode: 'numeric', autocomplete: 'off', maxlength: 16, required: true, className: 'short' });
    this.pin = pin;
    form.append(pin.wrapper);
    this.submit = h('button', { type: 'submit', i18n: submitKey });
    form.append(h('div', { class: 'actions' }, this.submit), this.progress);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    this.form = form;
    const headingId = uid('step-title');
    this.heading = h('h2', { id: headingId, tabindex: '-1', i18n: headingKey });
    this.element = h(
      'section',
      { class: 'panel card-step', 'aria-labelledby': headingId },
      this.heading,
      h('p', { class: 'notice', i18n: 'card.openedFirst' }),
      introKeys.map((key) => h('p', { i18n: key })),
      this.summary,
      form,
      h('div', { class: 'notes' }, h('p', { i18n: 'card.notesTitle' }), h('ul', {}, h('li', { i18n: 'form.requiredNote' }), h('li', { i18n: 'card.lockWarning' }))),
    );
  }

  start() {
    return this.picker.start();
  }

  validate() {
    const problems = [];
    const values = {};
    const cardProblem = this.picker.problem();
    if (cardProblem) {
      if (this.picker.ready) setFieldError(this.picker.select, this.picker.error, cardProblem);
      problems.push({ message: cardProblem, target: this.picker.ready ? this.picker.select : null });
    }
    for (const [name, { input, error, spec }] of Object.entries(this.inputs)) {
      let value = input.value.trim();
      if (spec.transform) value = spec.transform(value);
      values[name] = value;
      let problem = null;
      if (!value && spec.required !== false) problem = { key: 'form.required', vars: { label: { k: spec.label } } };
      else if (value && spec.pattern && !spec.pattern.test(value)) problem = { key: spec.patternKey || 'form.pattern', vars: { label: { k: spec.label } } };
      if (problem) {
        setFieldError(input, error, problem);
        problems.push({ message: problem, target: input });
      }
    }
    if (!this.pin.input.value) {
      const problem = { key: 'form.required', vars: { label: { k: this.options.pinLabelKey } } };
      setFieldError(this.pin.input, this.pin.error, problem);
      problems.push({ message: problem, target: this.pin.input });
    }
    return { problems, values };
  }

  async run() {
    clearFieldErrors(this.form);
    showSummary(this.summary, [], { focus: false });
    setStatus(this.progress, null);
    const { problems, values } = this.validate();
    if (problems.length) {
      this.pin.input.value = '';
      showSummary(this.summary, problems);
      return;
    }
    const { flow, agent, purpose, endpoint } = this.options;
    const stepBefore = flow.step;
    const token = this.picker.selected();
    // Read the PIN once and clear the field before anything else happens.
    let pin = this.pin.input.value;
    this.pin.input.value = '';
    busy(this.submit, true);
    setStatus(this.progress, 'card.signing', 'info');
    try {
      const challenge = await flow.challenge(purpose);
      let signed;
      try {
        signed = await agent.sign({ token: token.label, nonce: challenge.nonce, pin });
      } finally {
        pin = null;
      }
      const view = await flow.post(endpoint, { ...values, nonce: challenge.nonce, token: signed });
      setStatus(this.progress, null);
      this.options.onResult(view);
    } catch (error) {
      pin = null;
      setStatus(this.progress, null);
      await this.showError(error, stepBefore);
    } finally {
      busy(this.submit, false);
    }
  }

  async showError(error, stepBefore) {
    const { flow } = this.options;
    if (error instanceof ApiError && error.body && error.body.flow && flow.step !== stepBefore) {
      this.options.onResult(flow.view, error);
      return;
    }
    if (error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code) && this.options.onFlowLost) {
      this.options.onFlowLost(error);
      return;
    }
    const items = [];
    if (error instanceof AgentUnreachable) {
      this.picker.showUnreachable(error.reason);
      items.push({ message: `agent.unreachable.${error.reason}`, target: null });
    } else if (error instanceof AgentError) {
      let target = null;
      if (PIN_CODES.has(error.code)) {
        setFieldError(this.pin.input, this.pin.error, error.msg);
        target = this.pin.input;
      } else if (CARD_CODES.has(error.code)) {
        setFieldError(this.picker.select, this.picker.error, error.msg);
        target = this.picker.select;
      }
      items.push({ message: error.msg, target });
      // The summary first, then the card's new PIN state (count low, final try, locked) from
      // the agent: the person reads what went wrong without waiting for the agent's answer.
      showSummary(this.summary, items);
      await this.picker.loadTokens().catch(() => {});
      if (target === this.picker.select && this.picker.ready) setFieldError(this.picker.select, this.picker.error, error.msg);
      return;
    } else if (error instanceof ApiError) {
      const entry = this.inputs[error.field];
      let target = null;
      if (entry) {
        setFieldError(entry.input, entry.error, error.msg);
        target = entry.input;
      }
      const extra = this.options.decorateError ? this.options.decorateError(error) : null;
      items.push({ message: error.msg, target, extra });
    } else {
      items.push({ message: 'error.unexpected', target: null });
    }
    showSummary(this.summary, items);
  }
}

