// HiPKI Local Server (內政部「跨平台網頁元件」, from CHT) on the user's PC: the second signer
// (docs/token-hipki.md; protocol facts in hipki-protocol.md). certgate-agent stays preferred.
//
// HiPKI sends no CORS headers, so a page cannot read its answers with fetch. It is reached
//   - by its version image /p11Image.bmp (an <img> loads without CORS: something answers there);
//   - through its popupForm bridge: the page opens http://localhost:61161/popupForm, the popup
//     posts {"func":"getTbs"} first, the page answers with ONE command as a JSON string, the
//     popup posts HiPKI's answer back and closes itself. Every message event is checked: its
//     origin must be HiPKI's and its source the popup this page opened; the page posts only to
//     HiPKI's exact origin;
//   - directly (GET /pkcs11info, POST /sign tbsPackage=…) only where a read-only CORS probe of
//     /pkcs11info succeeded: a blind POST would still reach HiPKI and spend a PIN try whose
//     answer the page could not read.
// The PIN goes to HiPKI on localhost only (in the command posted to its popup, or the direct
// POST), never to the server; nothing here stores or logs it.

/// HiPKI's ret_code (major) and last_error (minor) values the portal tells apart (§5).
const RET = {
  noCard: 0x76000006,
  typeError: 0x76000008,
  timeout: 0x7600000d,
  forbiddenDomain: 0x7600000f,
  siteNotTrusted: 0x76000031,
  noPin: 0x76000998,
  cancelled: 0x76000999,
  library: 0x76100001,
  noReader: 0x76100003,
  readerInfo: 0x76100004,
  loginFailed: 0x76100006,
  certNotFound: 0x7610000c,
  keyNotFound: 0x7610000d,
  notYetValid: 0x76500001,
  expired: 0x76500002,
};
const MINOR = { wrongPin: 0xa0, pinLength: 0xa2, locked: 0xa4, oneTryLeft: 0x80000001, twoTriesLeft: 0x80000002 };

/// Large codes may arrive as negative signed 32-bit numbers: compare them unsigned.
function unsigned(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n >>> 0 : 0;
}

function hex(n) {
  return `0x${n.toString(16).toUpperCase().padStart(8, '0')}`;
}

/// What a HiPKI answer means for the person: { key (i18n), kind, vars }. kind: 'pin' (next to
/// the PIN field), 'card' (next to the card list), 'site' (HiPKI does not trust this site:
/// offer addDomain), 'other'.
export function problemOf(retCode, lastError) {
  const major = unsigned(retCode);
  const minor = unsigned(lastError);
  if (major === RET.loginFailed) {
    if (minor === MINOR.twoTriesLeft) return { key: 'hipki.error.pinTwoLeft', kind: 'pin' };
    if (minor === MINOR.oneTryLeft) return { key: 'hipki.error.pinFinalTry', kind: 'pin' };
    if (minor === MINOR.locked) return { key: 'hipki.error.pinLocked', kind: 'card' };
    if (minor === MINOR.pinLength) return { key: 'hipki.error.pinLength', kind: 'pin' };
    if (minor === MINOR.wrongPin) return { key: 'hipki.error.pinIncorrect', kind: 'pin' };
    return { key: 'hipki.error.loginFailed', kind: 'pin' };
  }
  const simple = {
    [RET.siteNotTrusted]: ['hipki.error.siteNotTrusted', 'site'],
    [RET.forbiddenDomain]: ['hipki.error.siteNotTrusted', 'site'],
    [RET.noPin]: ['hipki.error.pinRequired', 'pin'],
    [RET.cancelled]: ['hipki.error.cancelled', 'other'],
    [RET.noCard]: ['hipki.error.noCard', 'card'],
    [RET.noReader]: ['hipki.error.noReader', 'card'],
    [RET.readerInfo]: ['hipki.error.noReader', 'card'],
    [RET.typeError]: ['hipki.error.wrongCardType', 'card'],
    [RET.certNotFound]: ['hipki.error.noSigningCert', 'card'],
    [RET.keyNotFound]: ['hipki.error.noSigningCert', 'card'],
    [RET.library]: ['hipki.error.library', 'other'],
    [RET.timeout]: ['hipki.error.noAnswer', 'other'],
    [RET.notYetValid]: ['hipki.error.notYetValid', 'card'],
    [RET.expired]: ['hipki.error.expired', 'card'],
  }[major];
  if (simple) return { key: simple[0], kind: simple[1] };
  return { key: 'hipki.error.failed', kind: 'other', vars: { code: hex(major) } };
}

/// HiPKI answered, with a ret_code other than 0.
export class HipkiError extends Error {
  constructor(retCode, lastError) {
    super(`HiPKI ret_code ${hex(unsigned(retCode))} last_error ${hex(unsigned(lastError))}`);
    this.retCode = unsigned(retCode);
    this.lastError = unsigned(lastError);
    this.problem = problemOf(retCode, lastError);
  }
  /// For setFieldError / showSummary: the key and, for site-not-trusted, this site's host.
  get msg() {
    return { key: this.problem.key, vars: { host: location.hostname, ...(this.problem.vars || {}) } };
  }
}

/// HiPKI could not be used: reason 'popup-blocked' | 'no-answer' | 'closed' | 'not-accepted'
/// (the server issued no text for HiPKI to sign).
export class HipkiUnavailable extends Error {
  constructor(reason) {
    super(`HiPKI unavailable: ${reason}`);
    this.reason = reason;
  }
  get msg() {
    return { key: `hipki.error.${{ 'popup-blocked': 'popupBlocked', 'no-answer': 'noAnswer', closed: 'closed', 'not-accepted': 'notAccepted' }[this.reason]}` };
  }
}

function check(answer) {
  if (!answer || typeof answer !== 'object') throw new HipkiError(RET.timeout, 0);
  if (unsigned(answer.ret_code) !== 0) throw new HipkiError(answer.ret_code, answer.last_error);
  return answer;
}

/// The first value of `type` (CN, OU, O) in an RFC 4514 subject such as "OU=內政部,O=行政院,C=TW".
function attribute(subject, type) {
  const match = new RegExp(`(?:^|,)\\s*${type}=((?:\\\\.|[^,])*)`).exec(subject || '');
  return match ? match[1].replace(/\\(.)/g, '$1').trim() : '';
}

/// The card list of a pkcs11info?withcert=true answer (§4), shaped like the agent's tokens:
/// { label (the reader, HiPKI's slotDescription), reader, present, cardNumber, name, signing,
///   unknown }. No reader: HipkiError noReader.
export function cardsFrom(info) {
  check(info);
  const slots = Array.isArray(info.slots) ? info.slots : [];
  if (!slots.length) throw new HipkiError(RET.noReader, 0);
  return slots.map((slot) => {
    const reader = String(slot.slotDescription || '');
    const token = slot.token;
    if (!token) return { label: reader, reader, present: false };
    // "unknown token": a card HiPKI cannot read (not a HiCOS card).
    if (typeof token !== 'object') return { label: reader, reader, present: true, unknown: true };
    const certs = Array.isArray(token.certs) ? token.certs : [];
    const cert = certs.find((c) => /digitalSignature/.test(c.usage || '')) || null;
    const signing = cert ? { serialNumber: String(cert.sn || ''), subject: String(cert.subjectDN || ''), der: String(cert.certb64 || ''), signing: true } : null;
    return { label: reader, reader, present: true, cardNumber: String(token.serialNumber || ''), name: cert ? String(cert.subjectCN || '') || attribute(cert.subjectDN, 'OU') || attribute(cert.subjectDN, 'O') : '', signing };
  });
}

/// The pixels of /p11Image.bmp back to text (§2: per pixel blue, green, red; stop at a zero),
/// where the browser lets the page read them; null otherwise (a cross-origin image taints the
/// canvas unless HiPKI allowed CORS).
function imageText(image) {
  try {
    const canvas = document.createElement('canvas');
    canvas.width = image.naturalWidth;
    canvas.height = 1;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, 1).data;
    let text = '';
    for (let i = 0; i < data.length; i += 4) {
      for (const c of [data[i + 2], data[i + 1], data[i]]) {
        if (c === 0) return text;
        text += String.fromCharCode(c);
      }
    }
    return text;
  } catch {
    return null;
  }
}

/**
 * One HiPKI window (popupForm, or addDomain which speaks only once): opened at once, so that
 * the caller can open it while the user's click still counts, and used when the command is
 * ready.
 */
class HipkiWindow {
  constructor(origin, path, { speaksFirst = true, readyMs = 10000, answerMs = 180000 } = {}) {
    this.origin = origin;
    this.win = window.open(`${origin}${path}`, 'certgate-hipki', 'popup,width=420,height=360');
    if (!this.win) throw new HipkiUnavailable('popup-blocked');
    this.sent = !speaksFirst;
    let readyResolve;
    let answerResolve;
    this.ready = new Promise((resolve, reject) => {
      readyResolve = resolve;
      this.failReady = reject;
    });
    this.answer = new Promise((resolve, reject) => {
      answerResolve = resolve;
      this.failAnswer = reject;
    });
    // Neither promise is left to reject unobserved.
    this.ready.catch(() => {});
    this.answer.catch(() => {});
    if (!speaksFirst) readyResolve();
    this.onMessage = (event) => {
      // Only HiPKI's origin, only the window this page opened.
      if (event.origin !== this.origin || event.source !== this.win) return;
      let data = null;
      try {
        data = typeof event.data === 'string' ? JSON.parse(event.data) : null;
      } catch {
        data = null;
      }
      if (!data || typeof data !== 'object') return;
      if (!this.sent) {
        if (data.func === 'getTbs') readyResolve();
        return;
      }
      this.done();
      answerResolve(data);
    };
    window.addEventListener('message', this.onMessage);
    const fail = (error) => {
      this.failReady(error);
      this.failAnswer(error);
      this.close();
    };
    this.readyTimer = setTimeout(() => fail(new HipkiUnavailable('no-answer')), readyMs);
    this.answerTimer = setTimeout(() => fail(new HipkiUnavailable('no-answer')), answerMs);
    this.ready.then(() => clearTimeout(this.readyTimer), () => {});
    // The popup closes itself right after posting its answer: give that message time to land.
    this.watch = setInterval(() => {
      if (this.win.closed && !this.closing) this.closing = setTimeout(() => fail(new HipkiUnavailable('closed')), 1500);
    }, 250);
  }

  /// Posts `command` (an object, or a promise of one) once HiPKI asked for it; HiPKI's answer.
  async run(command) {
    await this.ready;
    const body = await command;
    this.sent = true;
    this.win.postMessage(JSON.stringify(body), this.origin);
    return this.answer;
  }

  done() {
    clearTimeout(this.readyTimer);
    clearTimeout(this.answerTimer);
    clearTimeout(this.closing);
    clearInterval(this.watch);
    window.removeEventListener('message', this.onMessage);
  }

  close() {
    this.done();
    if (this.win && !this.win.closed) this.win.close();
  }
}

export class Hipki {
  constructor(url) {
    this.origin = new URL(url).origin;
    this.found = null; // null: not probed yet; then true / false
    this.version = '';
    this.direct = false;
  }

  /// Whether something answers as HiPKI (its version image loads); probes once per page.
  detect({ timeoutMs = 5000 } = {}) {
    if (this.probe) return this.probe;
    this.probe = new Promise((resolve) => {
      const image = new Image();
      const finish = (found) => {
        clearTimeout(timer);
        image.onload = image.onerror = null;
        resolve(found);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      image.onload = () => {
        try {
          const text = imageText(image);
          this.version = text ? String(JSON.parse(text).serverVersion || '') : '';
        } catch {
          this.version = '';
        }
        finish(true);
      };
      image.onerror = () => finish(false);
      image.src = `${this.origin}/p11Image.bmp?t=${Date.now()}`;
    }).then(async (found) => {
      this.found = found;
      if (found) this.direct = await this.probeDirect();
      return found;
    });
    return this.probe;
  }

  /// A read-only CORS request: only a HiPKI that answers CORS is used without its popup.
  async probeDirect() {
    try {
      const response = await fetch(`${this.origin}/pkcs11info`, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
      const body = await response.json();
      return body && typeof body === 'object' && 'ret_code' in body;
    } catch {
      return false;
    }
  }

  /// Opens HiPKI's popup now (call it straight from the user's click), or null when HiPKI is
  /// used directly.
  open() {
    return this.direct ? null : new HipkiWindow(this.origin, '/popupForm');
  }

  async command(popup, body) {
    if (popup) return popup.run(body);
    const resolved = await body;
    const init = resolved.func === 'MakeSignature' ? { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: `tbsPackage=${encodeURIComponent(JSON.stringify(resolved))}` } : {};
    const path = resolved.func === 'MakeSignature' ? '/sign' : '/pkcs11info?withcert=true';
    const response = await fetch(`${this.origin}${path}`, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer', ...init });
    return response.json();
  }

  /// The readers and their cards with certificates (GetUserCert).
  async cards(popup = this.open()) {
    try {
      return cardsFrom(await this.command(popup, { func: 'GetUserCert' }));
    } finally {
      if (popup) popup.close();
    }
  }

  /**
   * MakeSignature (docs/token-hipki.md §2) of the server's `tbs` with the card in `reader`,
   * and the hipki-sign:1 token for the card-step route (§3). `challenge`: a promise of the
   * challenge answer, so that the popup opened by the click can wait for it.
   */
  async sign(popup, { challenge, pin, reader }) {
    try {
      const command = Promise.resolve(challenge).then((answer) => {
        if (!answer.hipkiToBeSigned) throw new HipkiUnavailable('not-accepted');
        const body = { func: 'MakeSignature', signatureType: 'PKCS7', tbs: answer.hipkiToBeSigned, tbsEncoding: 'NONE', hashAlgorithm: 'SHA256', withCardSN: 'false', pin: encodeURIComponent(pin) };
        if (reader) body.slotDescription = reader;
        return body;
      });
      command.catch(() => {}); // observed below, unless the popup failed first
      const answer = check(await this.command(popup, command));
      if (typeof answer.signature !== 'string' || !answer.signature) throw new HipkiError(RET.timeout, 0);
      return { format: 'hipki-sign:1', signatureType: 'PKCS7', signature: answer.signature };
    } finally {
      if (popup) popup.close();
    }
  }

  /// HiPKI's addDomain page for this site (§6): resolves once HiPKI added it; HipkiError else.
  async addDomain(host = location.hostname) {
    const popup = new HipkiWindow(this.origin, `/addDomain?domain=${encodeURIComponent(host)}`, { speaksFirst: false, answerMs: 300000 });
    try {
      return check(await popup.answer);
    } finally {
      popup.close();
    }
  }
}

let shared = null;
/// The page's HiPKI client when the deployment accepts HiPKI (GET /api/v1/config), else null.
export function hipkiFor(config) {
  if (!config || !config.hipki || !config.hipkiLocalServer) return null;
  if (!shared || shared.origin !== new URL(config.hipkiLocalServer).origin) shared = new Hipki(config.hipkiLocalServer);
  return shared;
}
