/** Reads `/metrics` and returns the samples of one metric as label-set → value. */
export async function scrapeMetric(url: string, name: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(name.length, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

/** The value of one sample whose labels include all of `labels`, summed over the rest. */
export function sumWhere(samples: Map<string, number>, labels: Record<string, string>): number {
  let total = 0;
  for (const [set, value] of samples) {
    if (Object.entries(labels).every(([k, v]) => set.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}
