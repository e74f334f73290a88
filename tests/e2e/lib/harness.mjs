// The e2e environment: the REAL certgate server over HTTPS and the REAL certgate-agent on a
// private copy of the test PKI's SoftHSM2 tokens, both on free loopback ports, and headless
// Debian Chromium driven by playwright-core. The portal is opened as
// https://portal.certgate.test:<port> (mapped to 127.0.0.1 by --host-resolver-rules), so
// Chromium treats the page as a public site and the agent call as a Local Network Access
// request, as on a user's PC.
//
// Environment (set by tests/e2e/CMakeLists.txt; defaults suit a build in /work/main/build):
//   CERTGATE_BUILD_DIR      the build tree (bin/certgate, bin/certgate-agent, plugins, test-pki)
//   CERTGATE_SOURCE_DIR     the source tree (web/, sql/, conf/)
//   CERTGATE_E2E_NODE_MODULES  where `npm ci` put playwright-core
//   CERTGATE_E2E_SCREENSHOTS   where screenshots go (default <build>/e2e-screenshots)
//   CERTGATE_CHROMIUM       the browser (default /usr/bin/chromium)
//   CERTGATE_E2E_KEEP=1     keep the temporary directory (logs, database) after the test
//
// With `hipki`, the server accepts HiPKI signatures (portal.hipki) and the HiPKI Local Server
// TEST DOUBLE (bin/hipki-double, tests/support/hipki) runs on a free loopback port with the
// card of the moment in its one reader, on the same private SoftHSM2 tokens.
import { spawn, execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import crypto from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = process.env.CERTGATE_SOURCE_DIR || path.resolve(here, '../../..');
export const buildDir = process.env.CERTGATE_BUILD_DIR || path.join(sourceDir, 'build');
export const screenshotDir =
  process.env.CERTGATE_E2E_SCREENSHOTS || path.join(buildDir, 'e2e-screenshots');
const chromiumPath = process.env.CERTGATE_CHROMIUM || '/usr/bin/chromium';
export const portalHost = 'portal.certgate.test';
export const PIN = '123456';

function loadPlaywright() {
  const candidates = [
    process.env.CERTGATE_E2E_NODE_MODULES,
    path.join(buildDir, 'e2e-node', 'node_modules'),
    path.join(here, '..', 'node_modules'),
  ].filter(Boolean);
  for (const dir of candidates) {
    const entry = path.join(dir, 'playwright-core');
    if (fs.existsSync(entry)) return createRequire(path.join(dir, 'index.js'))('playwright-core');
  }
  throw new Error(`playwright-core not found (run npm ci; looked in ${candidates.join(', ')})`);
}

// The manifest's paths are relative to its folder and start with "./" (a copied tree names its
// own files); here they are made absolute.
const pkiDir = path.join(buildDir, 'test-pki');
export const pki = JSON.parse(fs.readFileSync(path.join(pkiDir, 'cards.json'), 'utf8'), (key, value) =>
  typeof value === 'string' && value.startsWith('./') ? path.join(pkiDir, value) : value);
export const cards = pki.cards;

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function copyDir(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) copyDir(a, b);
    else fs.copyFileSync(a, b);
  }
}

const run = promisify(execFile);

/// A child process whose output goes to a log file; resolves when `ready` appears in it.
function startProcess(name, command, args, env, logFile, ready) {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      if (ready.test(text)) return resolve(child);
      if (exited || Date.now() - started > 20000) {
        child.kill('SIGKILL');
        return reject(new Error(`${name} did not start (${JSON.stringify(exited)}):\n${text.slice(-3000)}`));
      }
      setTimeout(poll, 50);
    };
    poll();
  });
}

async function stopProcess(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(timer);
}

/**
 * Starts one environment: a fresh SQLite database, the demo agencies, staff moica-lee, the
 * server and (unless `agent: false`) the agent.
 *   options.agentModule      PKCS#11 module for the agent (default SoftHSM2)
 *   options.agentEnv         extra environment for the agent (e.g. the lockout test double's)
 *   options.hipki            start the HiPKI double with these options (env.startHipki)
 */
export async function startEnvironment(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certgate-e2e-'));
  const serverPort = await freePort();
  const agentPort = await freePort();
  const hipkiPort = options.hipki ? await freePort() : null;
  const hipkiUrl = options.hipki ? `http://127.0.0.1:${hipkiPort}` : null;
  const origin = `https://${portalHost}:${serverPort}`;
  const tokens = path.join(dir, 'softhsm');
  copyDir(path.dirname(pki.softhsmConf) + '/tokens', path.join(tokens, 'tokens'));
  const softhsmConf = path.join(tokens, 'softhsm2.conf');
  fs.writeFileSync(
    softhsmConf,
    `directories.tokendir = ${path.join(tokens, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
  );
  for (const key of ['pii', 'audit']) {
    fs.writeFileSync(path.join(dir, `${key}.key`), crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  }
  const clockFile = path.join(dir, 'clock-offset');
  const config = {
    server: {
      host: '127.0.0.1',
      port: serverPort,
      publicOrigin: origin,
      tls: { certificate: pki.tls.certificate, privateKey: pki.tls.privateKey },
      webRoot: options.webRoot || path.join(sourceDir, 'web'),
    },
    agent: { url: `http://127.0.0.1:${agentPort}` },
    database: { backend: 'sqlite3', connection: `db=${path.join(dir, 'certgate.db')}`, migrations: path.join(sourceDir, 'sql') },
    cas: { profiles: pki.caProfiles, plugins: path.join(buildDir, 'lib', 'certgate', 'plugins') },
    security: { piiKeyFile: path.join(dir, 'pii.key'), auditKeyFile: path.join(dir, 'audit.key') },
    portal: {
      functionsFile: path.join(sourceDir, 'conf', 'functions.json'),
      sectionsFile: path.join(sourceDir, 'conf', 'sections.json'),
      holidaysFile: path.join(sourceDir, 'conf', 'holidays.json'),
      receiptQueriesPerMinute: 200,
      ...(options.hipki ? { hipki: { enabled: true, localServer: hipkiUrl } } : {}),
    },
    testing: { clockOffsetFile: clockFile },
  };
  const configFile = path.join(dir, 'certgate.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const agentConfig = path.join(dir, 'agent.json');
  fs.writeFileSync(
    agentConfig,
    JSON.stringify({ port: agentPort, module: options.agentModule || pki.module, allowedOrigins: [origin] }, null, 2),
  );

  const certgate = path.join(buildDir, 'bin', 'certgate');
  await run(certgate, ['migrate', '--config', configFile]);
  await run(certgate, ['import-agencies', path.join(sourceDir, 'conf', 'demo', 'agencies.csv'), '--config', configFile]);
  await run(certgate, ['staff', 'add', '--certificate', cards['moica-lee'].signCert, '--role', 'admin', '--config', configFile]);

  const env = {
    dir,
    origin,
    serverPort,
    agentPort,
    agentUrl: `http://127.0.0.1:${agentPort}`,
    hipkiUrl,
    hipki: null,
    configFile,
    server: null,
    agent: null,
  };
  env.server = await startProcess('certgate', certgate, ['serve', '--config', configFile], {}, path.join(dir, 'server.log'), /listening on/);
  /// `allowOrigin`: the one origin the agent allows this time (default: the portal's).
  env.startAgent = async ({ allowOrigin } = {}) => {
    const args = ['serve', '--config', agentConfig];
    if (allowOrigin) args.push('--allow-origin', allowOrigin);
    env.agent = await startProcess(
      'certgate-agent',
      path.join(buildDir, 'bin', 'certgate-agent'),
      args,
      { SOFTHSM2_CONF: softhsmConf, ...(options.agentEnv || {}) },
      path.join(dir, 'agent.log'),
      /listening on/,
    );
  };
  env.stopAgent = async () => {
    await stopProcess(env.agent);
    env.agent = null;
    // A fresh log, so that the next start waits for its own "listening on".
    fs.renameSync(path.join(dir, 'agent.log'), path.join(dir, `agent.${Date.now()}.log`));
  };
  if (options.agent !== false) await env.startAgent();

  /**
   * (Re)starts the HiPKI double on its port: `card` in the reader (token label; none: an empty
   * reader), `allowDomains` its domain list (default: the portal's host, as after addDomain),
   * `pinTries` the double's PIN counter (3, as a HiCOS card), `lockedCards` locked by the
   * double's switch, `reader: false` no reader at all, `cors: true` CORS for the portal (the
   * double's switch: real HiPKI sends none).
   */
  env.startHipki = async ({ card, allowDomains = [portalHost], pinTries = 3, lockedCards = [], reader = true, cors = false } = {}) => {
    await env.stopHipki();
    const args = ['--port', String(hipkiPort), '--module', pki.module, '--double-pin-tries', String(pinTries)];
    if (card) args.push('--card', card);
    for (const domain of allowDomains) args.push('--allow-domain', domain);
    for (const locked of lockedCards) args.push('--double-locked-card', locked);
    if (!reader) args.push('--double-reader', 'none');
    if (cors) args.push('--double-cors-origin', origin);
    env.hipki = await startProcess('hipki-double', path.join(buildDir, 'bin', 'hipki-double'), args, { SOFTHSM2_CONF: softhsmConf }, path.join(dir, 'hipki.log'), /listening on/);
  };
  env.stopHipki = async () => {
    if (!env.hipki) return;
    await stopProcess(env.hipki);
    env.hipki = null;
    fs.renameSync(path.join(dir, 'hipki.log'), path.join(dir, `hipki.${Date.now()}.log`));
  };
  if (options.hipki) await env.startHipki(options.hipki);

  /// Moves the server's clock (testing.clockOffsetFile) by `seconds` from real time.
  env.setClockOffset = (seconds) => {
    fs.writeFileSync(clockFile, `${Math.round(seconds)}\n`);
    // The server re-reads the file when its mtime changes: make sure it does.
    const t = new Date(Date.now() + Math.floor(Math.random() * 1000) + 1000);
    fs.utimesSync(clockFile, t, t);
  };

  env.stop = async () => {
    await stopProcess(env.hipki);
    await stopProcess(env.agent);
    await stopProcess(env.server);
    if (process.env.CERTGATE_E2E_KEEP) console.log(`# kept ${dir}`);
    else fs.rmSync(dir, { recursive: true, force: true });
  };
  env.log = (which) => fs.readFileSync(path.join(dir, `${which}.log`), 'utf8');
  return env;
}

// ---------------------------------------------------------------------------------------------
// HTTP from the test itself (server state through the admin API; the agent as a card signer)

function request(url, { method = 'GET', headers = {}, body } = {}) {
  const u = new URL(url);
  const isHttps = u.protocol === 'https:';
  const lib = isHttps ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      { method, headers, ca: isHttps ? fs.readFileSync(pki.tls.ca) : undefined, servername: isHttps ? portalHost : undefined },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

/// Signs a nonce with a card through the agent, as the page does (Origin = the portal).
export async function agentSign(env, card, nonce, pin = PIN) {
  const r = await request(`${env.agentUrl}/v1/sign`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: env.origin },
    body: { token: cards[card].token, nonce, pin },
  });
  if (r.status !== 200) throw new Error(`agent sign ${card}: ${r.status} ${r.text}`);
  return r.json;
}

/// An admin API client for the test's own assertions: logs staff moica-lee in with the card.
export async function adminClient(env, card = 'moica-lee') {
  const base = `https://127.0.0.1:${env.serverPort}`;
  const start = await request(`${base}/api/v1/flows`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: { type: 'staff-login' },
  });
  const flowId = start.json.flow.id;
  const cookie = (start.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
  let csrf = start.json.csrfToken;
  const challenge = await request(`${base}/api/v1/flows/${flowId}/challenge`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: { purpose: 'citizen' },
  });
  const token = await agentSign(env, card, challenge.json.nonce);
  const step = await request(`${base}/api/v1/flows/${flowId}/citizen-card`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
    body: { nonce: challenge.json.nonce, token },
  });
  if (step.status !== 200) throw new Error(`staff login: ${step.status} ${step.text}`);
  const cookie2 = (step.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
  csrf = step.json.csrfToken;
  const session = await request(`${base}/api/v1/flows/${flowId}/staff-session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Cookie: cookie2, 'X-CSRF-Token': csrf },
    body: {},
  });
  if (session.status !== 200) throw new Error(`staff session: ${session.status} ${session.text}`);
  const staffCookie = (session.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
  const staffCsrf = session.json.csrfToken;
  return {
    get: async (p) => (await request(`${base}/admin/api/v1${p}`, { headers: { Cookie: staffCookie } })).json,
    post: async (p, body) =>
      request(`${base}/admin/api/v1${p}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Cookie: staffCookie, 'X-CSRF-Token': staffCsrf },
        body,
      }),
  };
}

// ---------------------------------------------------------------------------------------------
// The browser

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--host-resolver-rules=MAP ${portalHost} 127.0.0.1`,
];

/**
 * Launches headless Chromium with a fresh profile and opens a context on the portal.
 *   lna: 'granted' (a managed PC whose policy pre-allows the portal), 'denied' (the user
 *        refused the prompt), or 'prompt' (left as it is).
 */
export async function launchBrowser(env, { lna = 'granted', locale = 'zh-TW' } = {}) {
  const { chromium } = loadPlaywright();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'certgate-e2e-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      ...chromiumArgs,
      // Chromium judges a page's address space by the IP it was loaded from, not its name: the
      // portal on 127.0.0.1 would be "loopback" like the agent, and no Local Network Access
      // check would apply. This makes it the public site it is in production.
      `--ip-address-space-overrides=127.0.0.1:${env.serverPort}=public`,
    ],
    ignoreHTTPSErrors: true,
    locale,
    timezoneId: 'Asia/Taipei',
    viewport: { width: 1280, height: 900 },
  });
  await setLocalNetworkAccess(context, env.origin, lna);
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15000);
  const consoleLines = [];
  page.on('console', (msg) => consoleLines.push(`${msg.type()}: ${msg.text()}`));
  page.on('pageerror', (err) => consoleLines.push(`pageerror: ${err.message}`));
  return {
    context,
    page,
    consoleLines,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/// Sets the Local Network Access permissions (Chromium 142's `local-network-access`, and the
/// finer `loopback-network` / `local-network` of Chromium 145+) for the portal origin, the way a
/// managed browser's policy or the user's answer to the prompt would.
export async function setLocalNetworkAccess(context, origin, setting) {
  if (setting === 'prompt') return;
  const cdp = await context.browser()?.newBrowserCDPSession?.().catch(() => null) ?? null;
  const session = cdp || (await context.newCDPSession(context.pages()[0] || (await context.newPage())));
  for (const name of ['local-network-access', 'loopback-network', 'local-network']) {
    try {
      await session.send('Browser.setPermission', { permission: { name }, setting, origin });
    } catch {
      // An older Chromium does not know the finer names.
    }
  }
}

export async function screenshot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}
