// The card step's signer: which program on the user's PC signs (certgate-agent, preferred, or
// HiPKI Local Server where the deployment accepts it), what the page says about it, and the
// person's choice when both are there (kept for the tab, so a flow's next card step uses it).
import { h } from './ui.js';

const STORAGE_KEY = 'certgate.signer';

/// 'agent' | 'hipki' | null: what the person chose earlier in this tab.
export function preferredSigner() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function rememberSigner(signer) {
  try {
    sessionStorage.setItem(STORAGE_KEY, signer);
  } catch {
    // not kept; the next step starts from the agent again
  }
}

/// "Signing with: …" and, when the other signer is there too, the button to switch to it.
export function signerBar({ signer, agentVersion, hipkiVersion, other, onSwitch }) {
  const name = signer === 'hipki' ? h('strong', { i18n: 'signer.hipki' }) : h('strong', { i18n: 'signer.agent' });
  const version = signer === 'hipki' ? hipkiVersion : agentVersion;
  const bar = h('p', { class: 'signer-bar', dataset: { signer } }, h('span', { i18n: 'signer.using' }), name, version ? h('span', { class: 'hint', i18n: 'signer.version', vars: { version } }) : null);
  if (other) {
    const button = h('button', { type: 'button', class: 'secondary small signer-switch', i18n: other === 'hipki' ? 'signer.switchToHipki' : 'signer.switchToAgent' });
    button.addEventListener('click', () => onSwitch(other));
    bar.append(' ', button);
  }
  return bar;
}

/// HiPKI found: what happens next (a small HiPKI window reads the cards) and the button.
export function hipkiReadyBox({ fallback, onRead }) {
  const button = h('button', { type: 'button', class: 'hipki-read', i18n: 'hipki.readCards' });
  button.addEventListener('click', onRead);
  return h('div', { class: 'notice ok hipki-ok' }, fallback ? h('p', { i18n: 'signer.hipkiFallback' }) : null, h('p', { i18n: 'hipki.found' }), h('p', {}, button));
}

/// A HiPKI refusal while reading the cards, or one that concerns HiPKI itself (site not
/// trusted: the way to HiPKI's addDomain), with the button to read again.
export function hipkiProblemBox({ message, site, onAddDomain, onRead }) {
  const box = h('div', { class: 'notice err hipki-problem' }, h('p', { i18n: message.key, vars: message.vars }));
  if (site) {
    const add = h('button', { type: 'button', class: 'hipki-add-domain', i18n: 'hipki.addDomain' });
    add.addEventListener('click', () => onAddDomain(box));
    box.append(h('p', { i18n: 'hipki.addDomainHow' }), h('p', {}, add));
  }
  const again = h('button', { type: 'button', class: 'secondary hipki-read', i18n: 'hipki.readAgain' });
  again.addEventListener('click', onRead);
  box.append(h('p', {}, again));
  return box;
}
