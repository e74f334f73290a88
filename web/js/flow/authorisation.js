// 授權指派 (manual 第三章 五, 圖3-11 – 3-22): the agency's organisation card → its manager's
// citizen card → the operator list, with add (the operator's card read without a PIN, or the
// serial typed), edit and delete.
import { AgentUnreachable, AgentError } from '../agent.js';
import { CardPicker } from '../cardstep.js';
import { txAttr } from '../i18n.js';
import { h, clear, field, uid, setFieldError, clearFieldErrors, showSummary, errorSummary, statusRegion, setStatus, detailsTable, confirmDialog, busy } from '../ui.js';
import { state, render, renderSteps, focusHeading, flowLost, isFlowLost, functionLabel, ordered } from './driver.js';
import { organisationStep, managerStep, NATIONAL_ID } from './card-steps.js';
import { agencyLine } from './views.js';

export const authorisation = {
  authorisation: {
    steps: ['organisation', 'manager', 'operators'],
    views: { organisation: () => organisationStep(), manager: () => managerStep(), operators: operatorsView },
  },
};

// ---------------------------------------------------------------------------------------------
// Operators: list, add, edit, delete (圖3-14 – 3-22)

function operatorsView() {
  const v = state.flow.view;
  const container = h('div', { class: 'operators' });
  const status = statusRegion();
  const summary = errorSummary();
  const headingId = uid('operators');
  const add = h('button', { type: 'button', i18n: 'operator.add' });
  add.addEventListener('click', () => showOperatorForm(container, null));
  const rows = (v.operators || []).map((op) => {
    const edit = h('button', { type: 'button', class: 'secondary small', i18n: 'operator.edit' });
    txAttr(edit, 'aria-label', 'operator.editNamed', { name: op.name });
    edit.addEventListener('click', () => showOperatorForm(container, op));
    const del = h('button', { type: 'button', class: 'danger small', i18n: 'operator.delete' });
    txAttr(del, 'aria-label', 'operator.deleteNamed', { name: op.name });
    del.addEventListener('click', async () => {
      const yes = await confirmDialog({ title: 'operator.deleteTitle', body: { key: 'operator.deleteConfirm', vars: { name: op.name, serial: op.serial } }, confirmKey: 'operator.deleteYes', danger: true });
      if (!yes) return;
      try {
        await state.flow.remove(`/operators/${op.id}`);
        state.pendingStatus = { key: 'operator.deleted', vars: { name: op.name } };
        render();
      } catch (error) {
        if (isFlowLost(error)) return flowLost(error);
        showSummary(summary, [{ message: error.msg || 'error.unexpected' }]);
      }
    });
    return h(
      'tr',
      { dataset: { serial: op.serial } },
      h('td', { class: 'mono', text: op.serial }),
      h('td', { text: op.name }),
      h('td', { class: 'mono', text: op.nationalId }),
      h('td', {}, ordered(op.functions).map((f) => h('span', { class: 'tag', msg: functionLabel(f) }))),
      h('td', { class: 'actions-cell' }, edit, del),
    );
  });
  const table = rows.length
    ? h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'operator-list' },
          h('caption', { i18n: 'operator.listCaption' }),
          h('thead', {}, h('tr', {}, ['operator.serial', 'operator.name', 'operator.nationalId', 'operator.functions', 'operator.actions'].map((key) => h('th', { scope: 'col', i18n: key })))),
          h('tbody', {}, rows),
        ),
      )
    : h('p', { class: 'notice', i18n: 'operator.none' });
  container.append(
    h(
      'section',
      { class: 'panel', 'aria-labelledby': headingId },
      h('h2', { id: headingId, i18n: 'operator.title' }),
      status,
      summary,
      h('h3', { i18n: 'operator.userInfo' }),
      detailsTable([
        ['field.agencyCodeShort', v.agencyCode],
        ['field.agencyName', v.agencyName],
        ['operator.managerName', v.managerName],
      ]),
      h('div', { class: 'actions' }, add),
      table,
      h('div', { class: 'notes' }, h('p', { i18n: 'operator.noteLeave' }), h('p', { i18n: 'operator.noteRenewal' })),
    ),
  );
  if (state.pendingStatus) {
    setStatus(status, state.pendingStatus);
    state.pendingStatus = null;
  }
  return container;
}

/// Common name (CN) of an RFC 4514 subject such as "serialNumber=…,CN=王大明,C=TW".
function commonName(subject) {
  const match = /(?:^|,)\s*CN=((?:\\.|[^,])*)/.exec(subject || '');
  return match ? match[1].replace(/\\(.)/g, '$1').trim() : '';
}

function showOperatorForm(container, op) {
  const editing = !!op;
  clear(container);
  const summary = errorSummary();
  const picker = new CardPicker({ agent: state.agent, hipki: state.hipki, labelKey: 'operator.cardSelect' });
  let certificate = '';
  const serial = field({ name: 'serial', label: 'operator.serialField', hint: 'operator.serialHint', required: true, maxlength: 64, className: 'mono', value: editing ? op.serial : '' });
  const name = field({ name: 'name', label: 'operator.nameField', required: true, maxlength: 60, value: editing ? op.name : '' });
  const nationalId = field({ name: 'nationalId', label: 'operator.nationalIdField', hint: editing ? 'operator.nationalIdReenter' : 'field.nationalIdHint', hintVars: editing ? { masked: op.nationalId } : undefined, required: true, maxlength: 10, className: 'short' });
  serial.input.addEventListener('input', () => {
    // A typed serial is no longer the card that was read.
    certificate = '';
  });
  const readStatus = statusRegion();
  const read = h('button', { type: 'button', class: 'secondary', i18n: 'operator.readCard' });
  read.addEventListener('click', async () => {
    clearFieldErrors(picker.element);
    const token = picker.selected();
    if (!token) {
      setFieldError(picker.select, picker.error, picker.problem() || { key: 'card.required' });
      picker.select.focus && picker.ready && picker.select.focus();
      return;
    }
    busy(read, true);
    try {
      const answer = await picker.certificates(token);
      const signing = (answer.certificates || []).find((c) => c.signing);
      if (!signing) {
        setFieldError(picker.select, picker.error, 'operator.noSigningCert');
        return;
      }
      serial.input.value = String(signing.serialNumber || '').replace(/[^0-9A-Fa-f]/g, '').toUpperCase();
      name.input.value = commonName(signing.subject);
      certificate = signing.der;
      setStatus(readStatus, { key: 'operator.readDone', vars: { name: name.input.value } });
      nationalId.input.focus();
    } catch (error) {
      if (error instanceof AgentUnreachable) picker.showUnreachable(error.reason);
      else if (error instanceof AgentError) setFieldError(picker.select, picker.error, error.msg);
      else setFieldError(picker.select, picker.error, 'error.unexpected');
    } finally {
      busy(read, false);
    }
  });
  const functions = state.config.functions || [];
  const fnError = h('p', { class: 'field-error', id: uid('functions-error') });
  const fieldset = h('fieldset', { class: 'functions', 'aria-describedby': fnError.id }, h('legend', {}, h('span', { class: 'req', 'aria-hidden': 'true' }, '*'), h('span', { i18n: 'operator.functionsField' })));
  const boxes = h('div', { class: 'checks' });
  for (const f of functions) {
    const id = uid(`fn-${f.id}`);
    const box = h('input', { type: 'checkbox', id, name: 'functions', value: f.id });
    if (editing && op.functions.includes(f.id)) box.checked = true;
    boxes.append(h('label', { for: id }, box, h('span', { msg: { zh: f.label, en: f.labelEn } })));
  }
  fieldset.append(h('p', { class: 'hint', i18n: 'operator.functionsHint' }), boxes, fnError);
  const submit = h('button', { type: 'submit', i18n: 'action.confirm' });
  const cancel = h('button', { type: 'button', class: 'secondary', i18n: 'action.cancel' });
  cancel.addEventListener('click', () => render());
  const form = h(
    'form',
    { novalidate: true },
    summary,
    h('fieldset', { class: 'read-card' }, h('legend', { i18n: 'operator.readLegend' }), h('p', { class: 'hint', i18n: 'operator.readIntro' }), picker.element, h('div', { class: 'actions' }, read), readStatus),
    serial.wrapper,
    name.wrapper,
    nationalId.wrapper,
    fieldset,
    h('p', { class: 'notes', i18n: editing ? 'operator.allRequired' : 'form.requiredNote' }),
    h('div', { class: 'actions' }, submit, cancel),
  );
  const inputs = { serial, name, nationalId };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const problems = [];
    const values = {
      serial: serial.input.value.trim(),
      name: name.input.value.trim(),
      nationalId: nationalId.input.value.trim().toUpperCase(),
      functions: [...boxes.querySelectorAll('input:checked')].map((x) => x.value),
    };
    const labels = { serial: 'operator.serialField', name: 'operator.nameField', nationalId: 'operator.nationalIdField' };
    for (const key of ['serial', 'name', 'nationalId']) {
      let problem = null;
      if (!values[key]) problem = { key: 'form.required', vars: { label: { k: labels[key] } } };
      else if (key === 'serial' && !/^[0-9A-Fa-f :\-]+$/.test(values[key])) problem = { key: 'operator.serialPattern' };
      else if (key === 'nationalId' && !NATIONAL_ID.test(values[key])) problem = { key: 'field.nationalIdPattern', vars: { label: { k: labels[key] } } };
      if (problem) {
        setFieldError(inputs[key].input, inputs[key].error, problem);
        problems.push({ message: problem, target: inputs[key].input });
      }
    }
    if (!values.functions.length) {
      setFieldError(fieldset, fnError, 'operator.functionsRequired');
      problems.push({ message: 'operator.functionsRequired', target: boxes.querySelector('input') });
    }
    if (problems.length) return showSummary(summary, problems);
    if (certificate) values.certificate = certificate;
    busy(submit, true);
    try {
      if (editing) await state.flow.put(`/operators/${op.id}`, values);
      else await state.flow.post('/operators', values);
      state.pendingStatus = { key: editing ? 'operator.updated' : 'operator.added', vars: { name: values.name } };
      state.flash = true;
      render();
    } catch (error) {
      if (isFlowLost(error)) return flowLost(error);
      let target = null;
      if (error.field === 'functions') {
        setFieldError(fieldset, fnError, error.msg);
        target = boxes.querySelector('input');
      } else if (error.field === 'certificate') {
        setFieldError(serial.input, serial.error, error.msg);
        target = serial.input;
      } else if (inputs[error.field]) {
        setFieldError(inputs[error.field].input, inputs[error.field].error, error.msg);
        target = inputs[error.field].input;
      }
      showSummary(summary, [{ message: error.msg || 'error.unexpected', target }]);
    } finally {
      busy(submit, false);
    }
  });
  const headingId = uid('operator-form');
  const panel = h('section', { class: 'panel operator-form', 'aria-labelledby': headingId }, h('h2', { id: headingId, i18n: editing ? 'operator.editTitle' : 'operator.addTitle' }), agencyLine(), form);
  container.append(panel);
  renderSteps('operators');
  focusHeading(panel);
  picker.start();
}
