// The CA plugins and their trust material (anchors' expiry, reload), and the server's health.
import { h, uid, statusRegion, setStatus, timeElement, detailsTable, busy } from '/js/ui.js';
import { state, hooks, api, errorNotice, table, cell } from '/admin/common.js';

// ---------------------------------------------------------------------------------------------
// CA plugins, profiles and trust anchors' expiry

function expiryCell(notAfter) {
  const when = new Date(notAfter);
  const days = Math.floor((when.getTime() - Date.now()) / 86400000);
  const element = h('td', {}, timeElement(notAfter));
  if (days < 0) element.append(' ', h('span', { class: 'expired', i18n: 'admin.plugins.expired' }));
  else if (days < 180) element.append(' ', h('span', { class: 'expiry-soon', i18n: 'admin.plugins.expiresIn', vars: { days } }));
  return element;
}

// Admins take up CA certificates imported with `certgate ca import` without a restart.
function reloadButton() {
  const area = h('div', { class: 'reload' });
  const button = h('button', { type: 'button', class: 'secondary', i18n: 'admin.plugins.reload' });
  const status = statusRegion();
  button.addEventListener('click', async () => {
    busy(button, true);
    try {
      const answer = await api('POST', '/ca/reload', {});
      setStatus(status, answer.changed ? 'admin.plugins.reloaded' : 'admin.plugins.notReloaded');
      area.append(h('ul', {}, ...answer.messages.map((m) => h('li', { class: 'mono', text: m }))));
      setTimeout(hooks.route, 1500);
    } catch (error) {
      area.append(errorNotice(error));
    } finally {
      busy(button, false);
    }
  });
  area.append(button, status);
  return area;
}

export async function viewPlugins(content) {
  content.append(h('h1', { tabindex: '-1', i18n: 'admin.plugins.title' }));
  if (state.staff.role === 'admin') content.append(reloadButton());
  const data = await api('GET', '/plugins');
  for (const p of data.plugins) {
    const headingId = uid('plugin');
    const section = h('section', { class: 'panel plugin', 'aria-labelledby': headingId, dataset: { plugin: p.id } });
    section.append(
      h('h2', { id: headingId }, h('span', { text: `${p.id.toUpperCase()} ` }), p.name ? h('span', { msg: { zh: p.name, en: p.nameEn } }) : null, ' ', h('span', { class: `tag ${p.loaded ? 'ok' : 'err'}`, i18n: p.loaded ? 'admin.plugins.loaded' : 'admin.plugins.refused' }), p.test ? h('span', { class: 'tag warn', i18n: 'admin.plugins.test' }) : null),
      detailsTable([
        ['admin.plugins.kind', p.kind ? h('td', { i18n: `admin.plugins.kind.${p.kind}` }) : ''],
        ['admin.plugins.library', p.library],
        ['admin.plugins.error', p.error],
        ['admin.plugins.profile', p.profile],
        ['admin.plugins.policies', (p.policies || []).join(', ')],
        ['admin.plugins.revocation', p.revocation],
        ['admin.plugins.notes', p.notes],
      ]),
    );
    if (p.acceptsCards !== undefined)
      section.append(h('p', { class: `notice ${p.acceptsCards ? 'ok' : 'err'}`, i18n: p.acceptsCards ? 'admin.plugins.acceptsCards' : 'admin.plugins.acceptsNoCard' }));
    const findings = [...(p.problems || []), ...(p.warnings || []), ...(p.missing || []).map((m) => `missing: ${m.name}${m.keyId ? ` (key id ${m.keyId})` : ''}${m.url ? ` ${m.url}` : ''}`)];
    if (findings.length) section.append(h('ul', { class: 'trust-findings' }, ...findings.map((f) => h('li', { class: 'mono', text: f }))));
    if (p.certificates && p.certificates.length) {
      section.append(
        table(
          'admin.plugins.certificates',
          ['admin.plugins.role', 'cert.subject', 'admin.plugins.keyId', 'admin.plugins.notAfter'],
          p.certificates.map((c) => h('tr', {}, h('td', { i18n: `admin.plugins.role.${c.role}` }), cell(c.subject), cell(c.keyId, 'mono'), expiryCell(c.notAfter))),
        ),
      );
    }
    content.append(section);
  }
}

export async function viewHealth(content) {
  content.append(h('h1', { tabindex: '-1', i18n: 'admin.health.title' }));
  const data = await api('GET', '/health');
  content.append(
    detailsTable([
      ['admin.health.status', h('td', {}, h('span', { class: `tag ${data.status === 'ok' ? 'ok' : 'err'}`, text: data.status }))],
      ['admin.health.database', h('td', { i18n: data.database ? 'admin.health.up' : 'admin.health.down' })],
      ['admin.health.backend', data.databaseBackend],
      ['admin.health.pluginsLoaded', String(data.pluginsLoaded)],
      ['admin.health.pluginsRefused', String(data.pluginsRefused)],
      ['admin.health.version', data.version],
    ]),
  );
}
