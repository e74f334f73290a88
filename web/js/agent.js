// The card agent (certgate-agent) on the user's own PC, http://127.0.0.1:27161 by default.
//
// Local Network Access (Chromium 142+): a public HTTPS site may reach 127.0.0.1 only after the
// user allows it in a prompt ("access other apps and services on this device"); Chromium 145+
// splits the permission into `loopback-network` (127.0.0.1, localhost) and `local-network`
// (the LAN), 142–144 know one `local-network-access`. The pages therefore
//   1. ask navigator.permissions for the state BEFORE the first call, and when it is "prompt"
//      explain the coming prompt and wait for the user to press a button;
//   2. send every request with `targetAddressSpace` matching the agent's address (Chromium
//      refuses a request whose declared space differs from the real one), falling back to a
//      plain fetch on browsers that do not know the option or its value;
//   3. on a failed call, tell "the browser blocked it" (permission denied) from "no agent is
//      listening" from "an agent answered but refused this site" (a no-cors probe succeeds).
// The PIN goes to the agent only, in the body of one POST /v1/sign; nothing here stores or
// logs it.

export class AgentError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.error || 'AGENT_ERROR';
    this.zh = this.body.message || '';
    this.en = this.body.messageEn || '';
  }
  get msg() {
    return { zh: this.zh, en: this.en };
  }
}

/// The agent could not be reached at all; `reason` says why as far as the page can tell.
export class AgentUnreachable extends Error {
  constructor(reason) {
    super(`agent unreachable: ${reason}`);
    this.code = 'AGENT_UNREACHABLE';
    this.reason = reason; // 'lna-denied' | 'not-running' | 'origin-refused'
  }
}

function addressSpace(url) {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return 'loopback';
  if (/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.)/.test(host) || host.endsWith('.local')) return 'local';
  return null;
}

export class Agent {
  constructor(baseUrl) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.space = addressSpace(this.baseUrl);
    // Decided by the first successful call: whether this browser takes targetAddressSpace.
    this.useTargetAddressSpace = this.space !== null;
    this.version = null;
  }

  /// 'granted' | 'denied' | 'prompt' | 'unsupported' for this origin's access to the agent.
  async permissionState() {
    if (!navigator.permissions || !navigator.permissions.query) return 'unsupported';
    const names = this.space === 'local' ? ['local-network', 'local-network-access'] : ['loopback-network', 'local-network-access'];
    for (const name of names) {
      try {
        const status = await navigator.permissions.query({ name });
        return status.state;
      } catch {
        // This browser does not know that permission name (older Chromium, Firefox, Safari).
      }
    }
    return 'unsupported';
  }

  async raw(path, init = {}) {
    const url = `${this.baseUrl}${path}`;
    const base = { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer', ...init };
    if (this.useTargetAddressSpace) {
      try {
        return await fetch(url, { ...base, targetAddressSpace: this.space });
      } catch (error) {
        // Only a read-only call may be repeated: a sign request is never sent twice.
        if ((init.method || 'GET') !== 'GET') throw error;
        const plain = await fetch(url, base).catch(() => null);
        if (plain) {
          this.useTargetAddressSpace = false;
          return plain;
        }
        throw error;
      }
    }
    return fetch(url, base);
  }

  /// Why a call failed at the network level: blocked by the browser, or nobody home.
  async diagnose() {
    if ((await this.permissionState()) === 'denied') return 'lna-denied';
    try {
      // An opaque answer means something listens there but refused this site's CORS request
      // (an agent configured for another portal address, or another program on the port).
      await fetch(`${this.baseUrl}/v1/version`, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' });
      return 'origin-refused';
    } catch {
      return (await this.permissionState()) === 'denied' ? 'lna-denied' : 'not-running';
    }
  }

  async call(path, init) {
    let response;
    try {
      response = await this.raw(path, init);
    } catch {
      throw new AgentUnreachable(await this.diagnose());
    }
    let body = null;
    try {
      body = await response.json();
    } catch {
      body = null;
    }
    if (!response.ok) throw new AgentError(response.status, body);
    return body;
  }

  /// GET /v1/version; resolves {name, version, protocol} or throws AgentUnreachable.
  async detect() {
    this.version = await this.call('/v1/version');
    return this.version;
  }

  /// GET /v1/tokens: readers and their cards with flags; {tokens, error?, message?, messageEn?}.
  tokens() {
    return this.call('/v1/tokens');
  }

  /// GET /v1/certificates?token=LABEL: the card's certificates (no PIN needed).
  certificates(label) {
    return this.call(`/v1/certificates?token=${encodeURIComponent(label)}`);
  }

  /// POST /v1/sign: the SPEC §5 auth token for `nonce`, signed with the card after its PIN.
  sign({ token, nonce, pin, keyId }) {
    const body = { token, nonce, pin };
    if (keyId) body.keyId = keyId;
    return this.call('/v1/sign', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  }
}

let shared = null;
export function agentFor(url) {
  if (!shared || shared.baseUrl !== url.replace(/\/+$/, '')) shared = new Agent(url);
  return shared;
}
