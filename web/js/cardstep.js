// The card step (manual 圖3-5, 3-7, 3-8): choose the reader and card the signer lists, type
// the PIN, and the page has the server's challenge signed by the card and sends the token to
// the server. Also the card picker alone, for reading an operator's certificate without a PIN.
//
// The signer: certgate-agent first (origin-bound, preferred); where the deployment accepts
// HiPKI (config.hipki) and no agent answers, HiPKI Local Server (hipki.js); the page says which
// it uses and lets the person switch when both are there (signer-ui.js).
//
// The PIN: typed into a password field (inputmode numeric, autocomplete off), read once at
// submit, the field cleared at once, sent in the body of the agent's POST /v1/sign (or in the
// command posted to HiPKI's popup on localhost) and nowhere else; never stored, never logged.
import { AgentError, AgentUnreachable } from './agent.js';
import { ApiError } from './api.js';
import { HipkiError, HipkiUnavailable } from './hipki.js';
import { preferredSigner, rememberSigner, signerBar, hipkiReadyBox, hipkiProblemBox } from './signer-ui.js';
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
  constructor({ agent, hipki = null, labelKey = 'card.selectLabel', onReady } = {}) {
    this.agent = agent;
    this.hipki = hipki;
    this.signer = null; // 'agent' | 'hipki' once one is in use
    this.onReady = onReady;
    this.tokens = [];
    this.bar = h('div', { class: 'signer' });
    this.status = h('div', { class: 'agent-status', 'aria-live': 'polite' });
    const id = uid('card');
    this.select = h('select', { id, name: 'token', required: true, 'aria-required': 'true' });
    this.error = h('p', { class: 'field-error', id: `${id}-error` });
    this.flags = h('div', { class: 'token-flags', id: `${id}-flags`, 'aria-live': 'polite' });
    this.select.setAttribute('aria-describedby', `${id}-flags ${id}-error`);
    this.refreshButton = h('button', { type: 'button', class: 'secondary small', i18n: 'card.refresh' });
    this.refreshButton.addEventListener('click', () => (this.signer === 'hipki' ? this.readHipkiCards() : this.loadTokens({ announce: true })));
    this.select.addEventListener('change', () => this.showFlags());
    this.row = h(
      'div',
      { class: 'field card-select', dataset: { field: 'token' }, hidden: true },
      h('label', { for: id }, h('span', { class: 'req', 'aria-hidden': 'true' }, '*'), h('span', { i18n: labelKey })),
      h('div', { class: 'reader-row' }, this.select, this.refreshButton),
      this.flags,
      this.error,
    );
    this.element = h('div', { class: 'card-picker' }, this.bar, this.status, this.row);
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
    if (this.hipki && preferredSigner() === 'hipki' && !this.agentSeen && (await this.hipki.detect())) {
      this.agentUntried = !this.agent.version;
      return this.useHipki();
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
    clear(this.bar);
    this.row.hidden = true;
    this.status.append(unreachableGuidance(reason, () => this.connect()));
    if (this.hipki && this.hipki.found === false) this.status.firstChild.insertBefore(h('p', { i18n: 'hipki.notFound' }), this.status.firstChild.lastChild);
  }

  async connect() {
    clear(this.status);
    this.status.append(h('p', { class: 'notice', i18n: 'agent.detecting' }));
    try {
      await this.agent.detect();
    } catch (error) {
      if (error instanceof AgentUnreachable) return this.agentMissing(error.reason);
      return this.showAgentError(error);
    }
    return this.loadTokens();
  }

  /// No agent: HiPKI where the deployment accepts it and the PC has it, else the guidance.
  async agentMissing(reason) {
    this.agent.version = null;
    if (this.hipki && reason !== 'lna-denied' && (await this.hipki.detect())) return this.useHipki({ fallback: true });
    return this.showUnreachable(reason);
  }

  renderBar() {
    clear(this.bar);
    // Where HiPKI is not accepted there is one signer only, and the agent's notice says it.
    if (!this.signer || !this.hipki) return;
    let other = null;
    if (this.signer === 'agent' && this.hipki && this.hipki.found) other = 'hipki';
    // Back to the agent: where it answered on this page, or was not tried (HiPKI chosen before).
    if (this.signer === 'hipki' && (this.agentSeen || this.agentUntried)) other = 'agent';
    this.bar.append(signerBar({ signer: this.signer, agentVersion: this.agent.version ? this.agent.version.version : '', hipkiVersion: this.hipki ? this.hipki.version : '', other, onSwitch: (to) => this.switchTo(to) }));
  }

  switchTo(signer) {
    rememberSigner(signer);
    clearFieldErrors(this.element);
    if (signer === 'hipki') return this.useHipki();
    this.signer = null;
    this.agentUntried = false;
    return this.connect();
  }

  /// HiPKI is the signer: its cards are read through its popup, on the person's click.
  useHipki({ fallback = false } = {}) {
    this.signer = 'hipki';
    this.tokens = [];
    this.row.hidden = true;
    this.renderBar();
    clear(this.status);
    this.status.append(hipkiReadyBox({ fallback, onRead: () => this.readHipkiCards() }));
  }

  async readHipkiCards() {
    let popup;
    try {
      popup = this.hipki.open(); // straight from the click, before anything is awaited
    } catch (error) {
      return this.showHipkiProblem(error);
    }
    clear(this.status);
    this.status.append(h('p', { class: 'notice', i18n: 'hipki.reading' }));
    let tokens;
    try {
      tokens = await this.hipki.cards(popup);
    } catch (error) {
      return this.showHipkiProblem(error);
    }
    return this.fillTokens(tokens, null);
  }

  /// A HiPKI refusal in the status area; site not trusted offers HiPKI's addDomain.
  showHipkiProblem(error) {
    clear(this.status);
    this.row.hidden = true;
    const message = error instanceof HipkiError || error instanceof HipkiUnavailable ? error.msg : { key: 'hipki.error.noAnswer' };
    const site = error instanceof HipkiError && error.problem.kind === 'site';
    const box = hipkiProblemBox({ message, site, onAddDomain: (at) => this.addDomain(at), onRead: () => this.readHipkiCards() });
    this.status.append(box);
  }

  async addDomain(box) {
    const result = box.querySelector('.hipki-add-result') || box.appendChild(h('p', { class: 'hipki-add-result', 'aria-live': 'polite' }));
    try {
      await this.hipki.addDomain();
      result.className = 'hipki-add-result notice ok';
      result.replaceChildren(h('span', { i18n: 'hipki.addDomainDone' }));
    } catch (error) {
      result.className = 'hipki-add-result notice err';
      const failed = error instanceof HipkiError ? { key: 'hipki.addDomainFailed', vars: { code: `0x${error.retCode.toString(16).toUpperCase()}` } } : error instanceof HipkiUnavailable ? error.msg : { key: 'hipki.error.noAnswer' };
      result.replaceChildren(h('span', { i18n: failed.key, vars: failed.vars }));
    }
  }

  /// The operator's certificate on `token` (authorisation, no PIN): the agent's answer shape.
  async certificates(token) {
    if (this.signer === 'hipki') return { certificates: token.signing ? [token.signing] : [] };
    return this.agent.certificates(token.label);
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
    this.signer = 'agent';
    this.agentSeen = true;
    this.renderBar();
    // Whether HiPKI is there too (the person may switch), without holding up the agent's cards.
    if (this.hipki && this.hipki.found === null) this.hipki.detect().then(() => this.signer === 'agent' && this.renderBar());
    return this.fillTokens(answer.tokens || [], answer, { announce });
  }

  /// The card list: the agent's tokens, or HiPKI's readers and cards (hipki.cardsFrom).
  fillTokens(tokens, answer, { announce = false } = {}) {
    const previous = this.select.value;
    this.tokens = tokens;
    clear(this.select);
    clear(this.status);
    const present = this.tokens.filter((token) => token.present);
    if (this.signer === 'agent') {
      const version = this.agent.version ? this.agent.version.version : '';
      this.status.append(h('p', { class: 'notice ok agent-ok', i18n: 'agent.connected', vars: { version } }));
    } else {
      this.status.append(h('p', { class: 'notice ok hipki-ok hipki-cards', i18n: 'hipki.cardsRead' }));
    }
    if (answer && answer.error) this.status.append(h('p', { class: 'notice warn', msg: { zh: answer.message, en: answer.messageEn } }));
    else if (!present.length) this.status.append(h('p', { class: 'notice warn', i18n: 'card.noneInserted' }));
    this.select.append(h('option', { value: '', i18n: 'card.choose' }));
    for (const token of this.tokens) {
      const reader = token.reader || token.slotDescription || '';
      if (!token.present) this.select.append(h('option', { value: '', disabled: true, i18n: 'card.readerEmpty', vars: { reader } }));
      else if (this.signer === 'hipki') this.select.append(h('option', { value: token.label, i18n: token.unknown ? 'hipki.unknownCardOption' : 'hipki.cardOption', vars: { name: token.name || '', number: token.cardNumber || '', reader } }));
      else this.select.append(h('option', { value: token.label, text: reader && reader !== token.label ? `${token.label}(${reader})` : token.label }));
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
    if (!this.ready) return { key: this.signer === 'hipki' ? 'hipki.readFirst' : 'card.agentNotReady' };
    const token = this.selected();
    if (!token) return { key: 'card.required' };
    if (token.unknown) return { key: 'hipki.error.wrongCardType' };
    if (this.signer === 'hipki' && !token.signing) return { key: 'hipki.error.noSigningCert' };
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
    const { agent, hipki, headingKey, introKeys = [], cardLabelKey, pinLabelKey, submitKey = 'action.confirm', fields = [] } = options;
    this.picker = new CardPicker({ agent, hipki, labelKey: cardLabelKey });
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
    const { flow, agent, hipki, purpose, endpoint } = this.options;
    const stepBefore = flow.step;
    const token = this.picker.selected();
    const viaHipki = this.picker.signer === 'hipki';
    // Read the PIN once and clear the field before anything else happens.
    let pin = this.pin.input.value;
    this.pin.input.value = '';
    let popup = null;
    try {
      // HiPKI's popup opens straight from the click (a later window.open would be blocked).
      if (viaHipki) popup = hipki.open();
    } catch (error) {
      pin = null;
      await this.showError(error, stepBefore);
      return;
    }
    busy(this.submit, true);
    setStatus(this.progress, viaHipki ? 'hipki.signing' : 'card.signing', 'info');
    try {
      const challenge = flow.challenge(purpose);
      challenge.catch(() => {}); // awaited below, unless HiPKI failed first
      let signed;
      try {
        if (viaHipki) signed = await hipki.sign(popup, { challenge, pin, reader: token.reader });
        else signed = await agent.sign({ token: token.label, nonce: (await challenge).nonce, pin });
      } finally {
        pin = null;
        if (popup) popup.close();
      }
      const view = await flow.post(endpoint, { ...values, nonce: (await challenge).nonce, token: signed });
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
    if (error instanceof HipkiError || error instanceof HipkiUnavailable) {
      const kind = error instanceof HipkiError ? error.problem.kind : 'other';
      let target = null;
      if (kind === 'pin') {
        setFieldError(this.pin.input, this.pin.error, error.msg);
        target = this.pin.input;
      } else if (kind === 'card' && this.picker.ready) {
        setFieldError(this.picker.select, this.picker.error, error.msg);
        target = this.picker.select;
      } else if (kind === 'site') {
        this.picker.showHipkiProblem(error);
      }
      items.push({ message: error.msg, target });
    } else if (error instanceof AgentUnreachable) {
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

