// The flow driver of flow.html?type=…: the page's state, the frame (breadcrumb, title, step
// indicator), starting and resuming the server's flow, and rendering its current step with the
// view the function's module gives for it. Each function of the manual (first registration,
// authorisation, the replacements, the queries, the operator login) is a module beside this one
// that names its steps and their views; flow-page.js hands them to run().
import { Flow, ApiError, getConfig } from '../api.js';
import { agentFor } from '../agent.js';
import { hipkiFor } from '../hipki.js';
import { initLayout } from '../layout.js';
import { t, tx } from '../i18n.js';
import { h, clear } from '../ui.js';

/// type → { steps: [step…], views: { step: (notice) => element } }, from run().
let flows = {};

export const state = { type: null, flow: null, config: null, agent: null, hipki: null, main: null, content: null, stepsList: null, breadcrumbStep: null, flash: null };

/// The flow is gone (expired, unknown, session): the page offers to start again.
export function isFlowLost(error) {
  return error instanceof ApiError && ['FLOW_EXPIRED', 'FLOW_UNKNOWN', 'SESSION_INVALID'].includes(error.code);
}

export function functionLabel(id) {
  const f = (state.config.functions || []).find((x) => x.id === id);
  if (!f) return { zh: id, en: id };
  return { zh: f.label, en: f.labelEn || f.label };
}

/// Function ids in the catalogue's order (the server keeps them as a sorted set).
export function ordered(ids) {
  const order = (state.config.functions || []).map((f) => f.id);
  return [...ids].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function stepKey(step) {
  return `step.${state.type}.${step}`;
}

function stepLabel(step) {
  const specific = stepKey(step);
  return t(specific) !== specific ? specific : `step.${step}`;
}

// ---------------------------------------------------------------------------------------------
// Frame: title, breadcrumb, step indicator

function renderFrame() {
  const main = state.main;
  clear(main);
  state.breadcrumbStep = h('li', { 'aria-current': 'page' });
  main.append(
    h('nav', { class: 'breadcrumb', attrs: { 'aria-label': 'nav.breadcrumb' } }, h('ol', {}, h('li', {}, h('a', { href: '/', i18n: 'nav.home' })), h('li', { i18n: `fn.${state.type}` }), state.breadcrumbStep)),
    h('h1', { i18n: `fn.${state.type}` }),
  );
  state.stepsList = h('ol', { class: 'steps', attrs: { 'aria-label': 'step.progress' } });
  main.append(state.stepsList);
  state.content = h('div', { class: 'flow-content' });
  main.append(state.content);
}

export function renderSteps(current) {
  clear(state.stepsList);
  const steps = [...flows[state.type].steps];
  if (current === 'review' || current === 'review-submitted') {
    steps.splice(steps.indexOf('organisation') + 1, steps.length, 'review', 'review-submitted');
  }
  const index = steps.indexOf(current);
  steps.forEach((step, i) => {
    const li = h('li', { i18n: stepLabel(step) });
    if (i < index) li.classList.add('done');
    if (i === index) li.setAttribute('aria-current', 'step');
    state.stepsList.append(li);
  });
  tx(state.breadcrumbStep, stepLabel(current));
}

export function focusHeading(container) {
  const heading = container.querySelector('h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
}

async function startFlow() {
  Flow.forget(state.type);
  state.flow = await Flow.start(state.type);
  render();
}

export function flowLost(error) {
  clear(state.content);
  const button = h('button', { type: 'button', i18n: 'flow.restart' });
  button.addEventListener('click', () => startFlow().catch(showFatal));
  const panel = h('section', { class: 'panel' }, h('h2', { i18n: 'flow.lostTitle' }), h('p', { class: 'notice err', msg: error.msg }), h('div', { class: 'actions' }, button, h('a', { class: 'button secondary', href: '/', i18n: 'nav.home' })));
  state.content.append(panel);
  focusHeading(panel);
}

function showFatal(error) {
  clear(state.content);
  const message = error instanceof ApiError ? h('p', { class: 'notice err', msg: error.msg }) : h('p', { class: 'notice err', i18n: 'error.unexpected' });
  state.content.append(h('section', { class: 'panel', role: 'alert' }, h('h2', { i18n: 'error.title' }), message));
}

/// Renders the flow's current step (notice: a refusal that moved the flow on, OID_MISMATCH).
export function render(notice) {
  const step = state.flow.step;
  renderSteps(step);
  clear(state.content);
  const view = flows[state.type].views[step];
  if (!view) {
    showFatal(new Error(step));
    return;
  }
  const element = view(notice);
  if (element) state.content.append(element);
  if (step === 'done' || step === 'review-submitted') Flow.forget(state.type);
  if (state.flash) {
    state.flash = false;
    focusHeading(state.content);
  }
}

/// The flow moved on: render its new step and focus that step's heading.
export function advance(view, notice) {
  state.flash = true;
  render(notice);
}

// ---------------------------------------------------------------------------------------------

/// Runs the page for ?type=… with `functionFlows` (type → { steps, views }).
export async function run(functionFlows) {
  flows = functionFlows;
  const { main: mainElement } = await initLayout();
  state.main = mainElement;
  const params = new URLSearchParams(location.search);
  const type = params.get('type');
  if (!Object.hasOwn(flows, type)) {
    location.replace('/');
    return;
  }
  state.type = type;
  document.querySelector('title').dataset.i18n = `fn.${type}`;
  document.title = t(`fn.${type}`);
  renderFrame();
  try {
    state.config = await getConfig();
    state.agent = agentFor(state.config.agentUrl);
    state.hipki = hipkiFor(state.config);
    state.flow = (await Flow.resume(type)) || (await Flow.start(type));
    if (state.flow.step === 'done' || state.flow.step === 'review-submitted') state.flow = await Flow.start(type);
    render();
  } catch (error) {
    showFatal(error);
  }
}
