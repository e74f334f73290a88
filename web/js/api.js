// The bureau server's REST API (same origin). A flow's session cookie is HttpOnly and scoped
// to the flow's URL; every state-changing request carries the flow's CSRF token, which the
// server replaces after each card step: the newest response's token is always the one used.
export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.error || 'HTTP_ERROR';
    this.zh = this.body.message || '';
    this.en = this.body.messageEn || '';
    this.field = this.body.field || '';
  }
  get msg() {
    return { zh: this.zh, en: this.en };
  }
}

/// A request that never reached the server (network down, server stopped).
export class NetworkError extends ApiError {
  constructor(cause) {
    super(0, {
      error: 'NETWORK',
      message: '無法連線到本系統伺服器,請確認網路連線後再試。',
      messageEn: 'The system server cannot be reached. Check the network connection and try again.',
    });
    this.cause = cause;
  }
}

export async function request(method, url, { body, csrf, contentType = 'application/json' } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = contentType;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (error) {
    throw new NetworkError(error);
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

let configPromise = null;
/// GET /api/v1/config: origin, agentUrl, agencyCodePattern, functions, cas, sections.
export function getConfig() {
  if (!configPromise) {
    configPromise = request('GET', '/api/v1/config').catch((error) => {
      configPromise = null; // asked again next time
      throw error;
    });
  }
  return configPromise;
}

export function getReceipts(agencyCode) {
  return request('GET', `/api/v1/receipts?agencyCode=${encodeURIComponent(agencyCode)}`);
}

const STORE = 'certgate.flow.';

/**
 * One function's server-side flow. `view` is the server's flow object (id, type, step,
 * agency, cards, operators, grants, receipt, section…).
 */
export class Flow {
  constructor(view, csrf) {
    this.view = view;
    this.csrf = csrf;
  }

  static async start(type) {
    const data = await request('POST', '/api/v1/flows', { body: { type } });
    const flow = new Flow(data.flow, data.csrfToken);
    flow.remember();
    return flow;
  }

  /// The flow of this type this tab was in (after a reload), if the server still has it.
  static async resume(type) {
    let saved = null;
    try {
      saved = JSON.parse(sessionStorage.getItem(STORE + type) || 'null');
    } catch {
      saved = null;
    }
    if (!saved || !/^[0-9a-f]{32}$/.test(saved.id || '')) return null;
    try {
      const data = await request('GET', `/api/v1/flows/${saved.id}`);
      return new Flow(data.flow, saved.csrf);
    } catch (error) {
      // The server cannot answer now (database or network down, busy): the flow is still
      // there, keep it for the next try and show why. Any other answer means it is gone.
      if (error instanceof NetworkError || error.status === 503) throw error;
      Flow.forget(type);
      return null;
    }
  }

  static forget(type) {
    try {
      sessionStorage.removeItem(STORE + type);
    } catch {
      // nothing stored
    }
  }

  remember() {
    try {
      sessionStorage.setItem(STORE + this.view.type, JSON.stringify({ id: this.view.id, csrf: this.csrf }));
    } catch {
      // a reload then starts afresh
    }
  }

  get id() {
    return this.view.id;
  }
  get step() {
    return this.view.step;
  }
  get type() {
    return this.view.type;
  }

  url(path = '') {
    return `/api/v1/flows/${this.view.id}${path}`;
  }

  absorb(data) {
    if (data && data.flow) this.view = data.flow;
    if (data && data.csrfToken) this.csrf = data.csrfToken;
    this.remember();
  }

  async send(method, path, body) {
    try {
      const data = await request(method, this.url(path), { body, csrf: this.csrf });
      this.absorb(data);
      return this.view;
    } catch (error) {
      // A refusal can still move the flow on (OID_MISMATCH → review) with a new session.
      if (error instanceof ApiError) this.absorb(error.body);
      throw error;
    }
  }

  post(path, body = {}) {
    return this.send('POST', path, body);
  }
  put(path, body) {
    return this.send('PUT', path, body);
  }
  remove(path) {
    return this.send('DELETE', path);
  }

  async refresh() {
    const data = await request('GET', this.url());
    this.absorb(data);
    return this.view;
  }

  /// A nonce for one card step (purpose: organisation | manager | citizen).
  challenge(purpose) {
    return request('POST', this.url('/challenge'), { body: { purpose }, csrf: this.csrf });
  }
}
