// The shadowdiff dashboard: plain modules, no build, no CDN. Everything comes from /api/v1.
const $ = (id) => document.getElementById(id);
const COLORS = { match: 'var(--match)', mismatch: 'var(--mismatch)', missing_old: 'var(--missing)', missing_new: 'var(--missing)' };
const color = (kind) => COLORS[kind] ?? 'var(--other)';
const token = new URLSearchParams(location.search).get('token');
const state = { comparison: null, cursor: null, filters: {} };

async function api(path) {
  const response = await fetch(`/api/v1${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return response.json();
}

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
    const button = text('button', `${c.name} · ${c.mode} · ${percent(c.matchRate)}`, { 'data-comparison': c.name });
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
  await Promise.all([loadSummary(), loadFields(), loadDiscrepancies(true)]);
}

async function loadSummary() {
  const name = state.comparison;
  const [summary, mode] = await Promise.all([api(`/comparisons/${name}/summary`), api(`/comparisons/${name}/mode`)]);
  $('mode').textContent = mode.mode;
  $('match-rate').textContent = percent(summary.matchRate);
  $('total').textContent = summary.total.toLocaleString('en-US');
  $('counts').replaceChildren(...Object.entries(summary.counts).sort().map(([k, v]) => text('span', `${k} ${v.toLocaleString('en-US')}`, { class: `verdict-${k}`, 'data-kind': k, 'data-count': v })));
  drawChart(summary.series);
}

function drawChart(series) {
  const svg = $('chart');
  const kinds = [...new Set(series.flatMap((s) => Object.keys(s.counts)))].sort();
  const max = Math.max(1, ...series.map((s) => Object.values(s.counts).reduce((a, b) => a + b, 0)));
  const width = 800 / Math.max(series.length, 1);
  const bars = [];
  series.forEach((s, i) => {
    let y = 160;
    for (const kind of kinds) {
      const h = ((s.counts[kind] ?? 0) / max) * 150;
      if (h === 0) continue;
      y -= h;
      bars.push(`<rect x="${i * width + 1}" y="${y}" width="${Math.max(width - 2, 1)}" height="${h}" fill="${color(kind)}"><title>${s.start} ${kind}: ${s.counts[kind]}</title></rect>`);
    }
  });
  svg.innerHTML = bars.join('');
  $('legend').innerHTML = kinds.map((k) => `<span><i style="background:${color(k)}"></i>${k}</span>`).join('');
}

async function loadFields() {
  const { fields } = await api(`/comparisons/${state.comparison}/fields`);
  $('fields').tBodies[0].replaceChildren(
    ...fields.slice(0, 15).map((f) => {
      const row = document.createElement('tr');
      row.append(text('td', f.path), text('td', f.count.toLocaleString('en-US')), text('td', percent(f.share)), text('td', time(f.lastSeen)));
      row.addEventListener('click', () => { document.forms.filters.path.value = f.path; applyFilters(); });
      return row;
    }),
  );
}

async function loadDiscrepancies(reset) {
  if (reset) state.cursor = null;
  const params = new URLSearchParams({ limit: '50', ...Object.fromEntries(Object.entries(state.filters).filter(([, v]) => v)) });
  if (state.cursor) params.set('cursor', state.cursor);
  const page = await api(`/comparisons/${state.comparison}/discrepancies?${params}`);
  const rows = page.items.map((item) => {
    const row = document.createElement('tr');
    row.dataset.pairId = item.pairId;
    row.append(text('td', time(item.decidedAt)), text('td', item.key ?? '–'), text('td', item.verdict, { class: `verdict-${item.verdict}` }), text('td', item.paths.join(', ') || item.reason || ''));
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
  const verdict = await api(`/comparisons/${state.comparison}/discrepancies/${pairId}`);
  const paths = new Set(verdict.differences.map((d) => d.path));
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

function showError(error) { console.error(error); }

document.forms.filters.addEventListener('submit', (event) => { event.preventDefault(); applyFilters(); });
$('more').addEventListener('click', () => loadDiscrepancies(false).catch(showError));
loadComparisons().catch(showError);
setInterval(() => { if (state.comparison) Promise.all([loadComparisons(), loadSummary(), loadFields()]).catch(showError); }, 5000);
