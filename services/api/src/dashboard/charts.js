// The dashboard's charts, drawn as SVG elements whose text is set as text (app.js explains why).
const SVG = 'http://www.w3.org/2000/svg';

/** Verdicts over time: a stacked bar per slot of the series, coloured by kind, and its legend. */
export function drawVerdicts(svg, legend, series, color) {
  const kinds = [...new Set(series.flatMap((s) => Object.keys(s.counts)))].sort();
  const max = Math.max(1, ...series.map((s) => Object.values(s.counts).reduce((a, b) => a + Number(b), 0)));
  const width = 800 / Math.max(series.length, 1);
  const bars = [];
  series.forEach((s, i) => {
    let y = 160;
    for (const kind of kinds) {
      const n = Number(s.counts[kind] ?? 0);
      const h = (n / max) * 150;
      if (!(h > 0)) continue;
      y -= h;
      const rect = document.createElementNS(SVG, 'rect');
      for (const [name, value] of [['x', i * width + 1], ['y', y], ['width', Math.max(width - 2, 1)], ['height', h]]) rect.setAttribute(name, String(value));
      rect.style.fill = color(kind);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${s.start} ${kind}: ${n}`;
      rect.append(title);
      bars.push(rect);
    }
  });
  svg.replaceChildren(...bars);
  legend.replaceChildren(
    ...kinds.map((k) => {
      const swatch = document.createElement('i');
      swatch.style.background = color(k);
      const entry = document.createElement('span');
      entry.append(swatch, document.createTextNode(k));
      return entry;
    }),
  );
}

/** A bucket of whole milliseconds as it reads: "2 – 4 ms", "0 ms", "≥ 60000 ms". */
export function bucketText({ min, max }) {
  if (min === null) return `≤ ${max} ms`;
  if (max === null) return `≥ ${min} ms`;
  return min === max ? `${min} ms` : `${min} – ${max} ms`;
}

/** The latency delta's distribution: a bar per bucket, the 0 ms one apart in colour. */
export function drawLatency(svg, buckets) {
  const max = Math.max(1, ...buckets.map((b) => Number(b.count)));
  const width = 620 / buckets.length;
  svg.replaceChildren(
    ...buckets.map((b, i) => {
      const h = (Number(b.count) / max) * 130;
      const rect = document.createElementNS(SVG, 'rect');
      for (const [name, value] of [['x', i * width + 1], ['y', 140 - h], ['width', Math.max(width - 2, 1)], ['height', h]]) rect.setAttribute(name, String(value));
      if (b.min === 0 && b.max === 0) rect.setAttribute('class', 'zero');
      rect.dataset.count = String(Number(b.count));
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${bucketText(b)}: ${Number(b.count).toLocaleString('en-US')} pairs`;
      rect.append(title);
      return rect;
    }),
  );
}
