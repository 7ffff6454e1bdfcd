// The dashboard's discrepancy classes: one row per class (how many, its share, its trend, what
// differs, its likely cause with the evidence, the rule that would absorb it), and the fields that
// are likely noise. A row opens the class's newest example side by side. Everything from the API
// goes into the page as text only (see app.js).

const pct = (x) => `${Math.round(x * 100)}%`;

/** A class's likely cause with its evidence, or a dash. */
function cause(c) {
  const first = c.causes[0];
  if (!first) return c.causesNote ? `– (${c.causesNote})` : '–';
  return `${first.statement} (${pct(first.classShare)} of the class, ${pct(first.baselineShare)} of matches)`;
}

/**
 * Fills the classes table and the noise list from GET …/classes. `open(pairId)` shows a pair
 * side by side; `text(tag, value)` makes an element holding text.
 */
export async function loadClasses(table, noiseList, { api, name, text, open }) {
  const { classes, noise } = await api(`/comparisons/${encodeURIComponent(name)}/classes`);
  table.tBodies[0].replaceChildren(
    ...classes.slice(0, 20).map((c) => {
      const row = document.createElement('tr');
      row.dataset.classId = c.id;
      row.dataset.count = String(c.count);
      const rule = c.suggestion ? `${c.suggestion.rule} ${c.suggestion.path}` : '–';
      row.append(text('td', c.count.toLocaleString('en-US')), text('td', `${(c.share * 100).toFixed(1)}%`), text('td', c.trend), text('td', c.explanation), text('td', cause(c)), text('td', rule));
      if (c.examples.length > 0) {
        row.title = 'show its newest example side by side';
        row.addEventListener('click', () => open(c.examples[0]));
      }
      return row;
    }),
  );
  if (noise.length === 0) noiseList.replaceChildren(text('li', 'none found: no field differs in most pairs with generated values'));
  else noiseList.replaceChildren(
    ...noise.map((n) => text('li', `${n.reason}${n.suggestion ? `; a rule would absorb it: ${n.suggestion.rule} ${n.suggestion.path}` : ''}`)),
  );
}
