// The shadowdiff dashboard: plain modules, no build, no CDN. Everything comes from /api/v1.
//
// Whatever a verdict holds (key, paths, kinds, values) was written by someone who could write to a
// verdict topic: it is only ever put into the page as text (textContent, createElement), never as
// markup, and no colour, class or URL is taken from it. The page runs under a CSP without inline
// script. The API token is typed in by the operator, kept in this page's memory only, and sent as
// a header: never in a URL (history, logs, Referer) and never in storage another page could read.
import { bucketText, drawLatency, drawVerdicts } from './charts.js';
import { loadClasses } from './classes.js';

const $ = (id) => document.getElementById(id);
const KINDS = ['match', 'mismatch', 'missing_old', 'missing_new', 'duplicate_old', 'duplicate_new', 'invalid_old', 'invalid_new', 'late'];
const COLORS = { match: 'var(--match)', mismatch: 'var(--mismatch)', missing_old: 'var(--missing)', missing_new: 'var(--missing)' };
const known = (kind) => KINDS.includes(kind);
const color = (kind) => (Object.hasOwn(COLORS, kind) ? COLORS[kind] : 'var(--other)');
const kindClass = (kind) => (known(kind) ? `verdict-${kind}` : 'verdict-other');
const state = { comparison: null, cursor: null, filters: {}, token: null };

// A token in the address (an old bookmark, a shared link) is never used: it is removed at once.
if (new URLSearchParams(location.search).has('token')) {
  history.replaceState(null, '', location.pathname);
  $('login-note').textContent = 'A token in the address is ignored and was removed from it: enter it here instead.';
  $('login').hidden = false;
}

class HttpError extends Error {
  constructor(path, status) {
    super(`${path}: ${status}`);
    this.status = status;
  }
}

async function api(path) {
  const response = await fetch(`/api/v1${path}`, state.token ? { headers: { authorization: `Bearer ${state.token}` } } : {});
  if (!response.ok) throw new HttpError(path, response.status);
  return response.json();
}

const at = (...parts) => parts.map((p) => encodeURIComponent(p)).join('/');

const text = (tag, value, attrs = {}) => {
  const el = document.createElement(tag);
  el.textContent = value;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
};
const percent = (rate) => (rate === null || rate === undefined ? '–' : `${(rate * 100).toFixed(2)}%`);
const time = (iso) => new Date(iso).toLocaleString();

async function loadComparisons() {
  const comparisons = await api('/comparisons');
  const nav = $('comparisons');
  nav.replaceChildren();
  if (comparisons.length === 0) { $('empty').hidden = false; return; }
  for (const c of comparisons) {
    const button = text('button', `${c.name} · ${c.mode} · ${percent(c.matchRate)}`);
    button.dataset.comparison = c.name;
    button.setAttribute('aria-current', String(c.name === state.comparison));
    button.addEventListener('click', () => select(c.name));
    nav.append(button);
  }
  if (!state.comparison) await select(comparisons[0].name);
}

async function select(name) {
  state.comparison = name;
  for (const b of $('comparisons').children) b.setAttribute('aria-current', String(b.dataset.comparison === name));
  $('main').hidden = false;
  $('pair').hidden = true;
  await Promise.all([loadSummary(), loadPromotion(), loadLatency(), loadFields(), loadClassPanel(), loadDiscrepancies(true)]);
}

const figure = (v) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? v.toLocaleString('en-US') : Number(v).toPrecision(3));

/** The next promotion's criteria, each with its measured value and pass or fail, and the mode's history. */
async function loadPromotion() {
  const name = state.comparison;
  const [readiness, { history }] = await Promise.all([api(`/comparisons/${at(name)}/readiness`), api(`/comparisons/${at(name)}/mode/history?limit=20`)]);
  $('readiness-verdict').textContent = readiness.promotion === null
    ? `No promotion after ${readiness.mode}.`
    : `Promotion to ${readiness.promotion}: ${readiness.ready ? 'ready' : 'not ready'}.`;
  $('readiness-verdict').className = readiness.promotion === null ? '' : readiness.ready ? 'pass' : 'fail';
  $('readiness').tBodies[0].replaceChildren(
    ...readiness.criteria.map((c) => {
      const row = document.createElement('tr');
      row.dataset.criterion = c.name;
      row.dataset.pass = String(c.pass);
      const verdict = text('td', c.pass ? 'pass' : 'fail');
      verdict.className = c.pass ? 'pass' : 'fail';
      row.append(text('td', c.name), text('td', figure(c.value)), text('td', figure(c.upperBound)), text('td', figure(c.limit)), verdict);
      return row;
    }),
  );
  $('history').tBodies[0].replaceChildren(
    ...history.map((h) => {
      const row = document.createElement('tr');
      row.append(text('td', time(h.at)), text('td', h.from), text('td', h.to), text('td', h.actor), text('td', `${h.reason}${h.forced ? ' (forced)' : ''}`));
      return row;
    }),
  );
}

/**
 * Changes the mode through the API with the operator's token; the API applies its own rules and
 * readiness gate. The form is method="post": an Enter before this script runs never puts the
 * token in a URL. One change at a time: the button is disabled until the answer is in.
 */
document.forms['mode-change'].addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = document.forms['mode-change'];
  const button = form.querySelector('button[type="submit"]');
  const result = $('mode-change-result');
  if (button.disabled) return;
  if (!state.comparison) { result.textContent = 'Choose a comparison first.'; return; }
  const token = form.token.value.trim() || state.token;
  result.textContent = '';
  button.disabled = true;
  let response;
  try {
    response = await fetch(`/api/v1/comparisons/${at(state.comparison)}/mode`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ mode: form.mode.value, reason: form.reason.value, force: form.force.checked }),
    }).catch(() => null);
  } finally {
    form.token.value = '';
    button.disabled = false;
  }
  if (response === null) { result.textContent = 'The API could not be reached.'; return; }
  const body = await response.json().catch(() => ({}));
  if (response.ok) {
    result.textContent = `Now ${body.mode}.`;
    form.reason.value = '';
  } else {
    const failing = (body.criteria ?? []).filter((c) => !c.pass).map((c) => c.name);
    const why = response.status === 401 ? 'an operator token is needed' : response.status === 403 ? 'this token may not change the mode' : body.message ?? `HTTP ${response.status}`;
    result.textContent = `Refused: ${why}${failing.length > 0 ? ` (failing: ${failing.join(', ')})` : ''}.`;
  }
  await Promise.all([loadComparisons(), loadSummary(), loadPromotion()]).catch(showError);
});

async function loadSummary() {
  const name = state.comparison;
  const [summary, mode] = await Promise.all([api(`/comparisons/${at(name)}/summary`), api(`/comparisons/${at(name)}/mode`)]);
  $('mode').textContent = mode.mode;
  $('match-rate').textContent = percent(summary.matchRate);
  $('total').textContent = summary.total.toLocaleString('en-US');
  $('counts').replaceChildren(
    ...Object.entries(summary.counts).sort().map(([k, v]) => {
      const span = text('span', `${k} ${Number(v).toLocaleString('en-US')}`);
      span.className = kindClass(k);
      span.dataset.kind = k;
      span.dataset.count = String(Number(v));
      return span;
    }),
  );
  drawVerdicts($('chart'), $('legend'), summary.series, color);
}

/** The latency delta's distribution: a bar per bucket (31, fixed by the API), the quantiles' buckets. */
async function loadLatency() {
  const latency = await api(`/comparisons/${at(state.comparison)}/latency`);
  const q = latency.quantiles;
  $('latency-summary').textContent = latency.pairs === 0
    ? 'No pair in the last 24 hours.'
    : `${latency.pairs.toLocaleString('en-US')} pairs; median ${bucketText(q.p50)}, p90 ${bucketText(q.p90)}, p99 ${bucketText(q.p99)}.`;
  drawLatency($('latency'), latency.buckets);
}

async function loadFields() {
  const { fields } = await api(`/comparisons/${at(state.comparison)}/fields`);
  $('fields').tBodies[0].replaceChildren(
    ...fields.slice(0, 15).map((f) => {
      const row = document.createElement('tr');
      row.append(text('td', f.path), text('td', f.count.toLocaleString('en-US')), text('td', percent(f.share)), text('td', time(f.lastSeen)));
      row.addEventListener('click', () => { document.forms.filters.path.value = f.path; applyFilters(); });
      return row;
    }),
  );
}

const loadClassPanel = () => loadClasses($('classes'), $('noise'), { api, name: state.comparison, text, open: openPair });

async function loadDiscrepancies(reset) {
  if (reset) state.cursor = null;
  const params = new URLSearchParams({ limit: '50', ...Object.fromEntries(Object.entries(state.filters).filter(([, v]) => v)) });
  if (state.cursor) params.set('cursor', state.cursor);
  const page = await api(`/comparisons/${at(state.comparison)}/discrepancies?${params}`);
  const rows = page.items.map((item) => {
    const row = document.createElement('tr');
    row.dataset.pairId = item.pairId;
    const kind = text('td', item.verdict);
    kind.className = kindClass(item.verdict);
    row.append(text('td', time(item.decidedAt)), text('td', item.key ?? '–'), kind, text('td', item.paths.join(', ') || item.reason || ''));
    row.addEventListener('click', () => openPair(item.pairId));
    return row;
  });
  const body = $('discrepancies').tBodies[0];
  if (reset) body.replaceChildren(...rows); else body.append(...rows);
  state.cursor = page.nextCursor;
  $('more').hidden = !page.nextCursor;
}

/** Renders a value as indented JSON, marking the lines of the differing paths. */
function render(value, paths) {
  const pre = document.createDocumentFragment();
  const walk = (v, path, indent, label) => {
    const pad = '  '.repeat(indent);
    const prefix = label === null ? pad : `${pad}${JSON.stringify(label)}: `;
    const marked = paths.has(path);
    if (v !== null && typeof v === 'object') {
      const open = Array.isArray(v) ? '[' : '{';
      const close = Array.isArray(v) ? ']' : '}';
      pre.append(text('span', `${prefix}${open}\n`, marked ? { class: 'diff' } : {}));
      const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
      for (const [k, child] of entries) {
        const childPath = Array.isArray(v) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
        walk(child, childPath, indent + 1, Array.isArray(v) ? null : k);
      }
      pre.append(text('span', `${pad}${close}\n`, marked ? { class: 'diff' } : {}));
    } else {
      pre.append(text('span', `${prefix}${JSON.stringify(v)}\n`, marked ? { class: 'diff' } : {}));
    }
  };
  walk(value, '', 0, null);
  return pre;
}

async function openPair(pairId) {
  const verdict = await api(`/comparisons/${at(state.comparison, 'discrepancies', pairId)}`);
  const paths = new Set((verdict.differences ?? []).map((d) => d.path));
  $('pair-title').textContent = `${verdict.verdict} · ${verdict.key ?? 'no key'} · ${verdict.pairId}`;
  $('pair-old').replaceChildren(verdict.old ? render(verdict.old.value, paths) : text('span', '(none)'));
  $('pair-new').replaceChildren(verdict.new ? render(verdict.new.value, paths) : text('span', '(none)'));
  $('pair').hidden = false;
  $('pair').scrollIntoView({ block: 'nearest' });
}

function applyFilters() {
  const form = document.forms.filters;
  state.filters = { verdict: form.verdict.value, path: form.path.value.trim(), key: form.key.value.trim() };
  loadDiscrepancies(true).catch(showError);
}

/** Asks for a token when the API wants one (401), says so when the token may not (403). */
function showError(error) {
  if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
    $('login').hidden = false;
    $('login-error').textContent = error.status === 401
      ? (state.token ? 'The API did not accept this token.' : 'The API needs a token to show anything.')
      : 'This token may not do that.';
    return;
  }
  console.error(error);
}

document.forms.login.addEventListener('submit', (event) => {
  event.preventDefault();
  const field = document.forms.login.token;
  state.token = field.value.trim() || null;
  field.value = '';
  $('login-error').textContent = '';
  $('login').hidden = true;
  loadComparisons().catch(showError);
});
document.forms.filters.addEventListener('submit', (event) => { event.preventDefault(); applyFilters(); });
$('more').addEventListener('click', () => loadDiscrepancies(false).catch(showError));
loadComparisons().catch(showError);
setInterval(() => { if (state.comparison) Promise.all([loadComparisons(), loadSummary(), loadLatency(), loadFields(), loadClassPanel()]).catch(showError); }, 5000);
