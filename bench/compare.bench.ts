// Comparisons per second on a realistic ~1 KB order payload: `npm run bench:compare`.
// Writes its section of docs/benchmarks.md.
import { createComparator, type CompareRules, type Json } from '@shadowdiff/compare';
import { Bench } from 'tinybench';
import { formatRate, machine, writeSection } from './lib/report.ts';

function order(i: number): Json {
  return {
    orderId: `order-${String(i).padStart(8, '0')}`,
    status: 'PAID',
    customer: {
      id: `customer-${i % 977}`,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      tier: 'gold',
      address: { street: '12 Analytical Row', city: 'London', postcode: 'NW1 2AB', country: 'GB' },
    },
    items: Array.from({ length: 5 }, (_, j) => ({
      sku: `SKU-${(i + j) % 500}`,
      name: `Item number ${j}`,
      qty: 1 + j,
      unitPrice: 9.99 + j,
      amount: Math.round((1 + j) * (9.99 + j) * 100) / 100,
      updatedAt: '2026-11-23T10:00:00.000Z',
    })),
    totals: { subtotal: 215.4, tax: 43.08, amount: 258.48, currency: 'EUR' },
    payment: { method: 'card', last4: '4242', authorisedAt: '2026-11-23T10:00:01.000Z', reference: null },
    metadata: { traceId: `trace-${i}`, source: 'checkout', updatedAt: '2026-11-23T10:00:02.000Z' },
  };
}

const RULES: CompareRules = {
  ignore: ['metadata.traceId', '**.updatedAt'],
  tolerance: { 'totals.amount': { absolute: 0.01 }, 'items[*].amount': { absolute: 0.01 } },
  unordered: { items: { by: 'sku' } },
  nullEqualsMissing: true,
};

const old = order(42);
const text = JSON.stringify(old);
const same = JSON.parse(text) as Json;
const reordered = { ...(JSON.parse(text) as Record<string, Json>), items: [...((JSON.parse(text) as { items: Json[] }).items)].reverse() } as Json;
const changed = JSON.parse(text) as { customer: { email: string } };
changed.customer.email = 'ada.lovelace@example.com';

const plain = createComparator();
const ruled = createComparator({ rules: RULES });
if (plain.compare(old, same).length !== 0 || ruled.compare(old, reordered).length !== 0 || ruled.compare(old, changed as unknown as Json).length !== 1) {
  throw new Error('benchmark inputs do not compare as intended');
}

const bench = new Bench({ time: 2000, warmupTime: 500 });
bench
  .add('match, no rules (fast path)', () => plain.compare(old, same))
  .add('match, with rules (normalise + fast path)', () => ruled.compare(old, same))
  .add('match, with rules, items reordered', () => ruled.compare(old, reordered))
  .add('mismatch, one field, with rules (diff built)', () => ruled.compare(old, changed as unknown as Json))
  .add('reference: JSON.parse of the payload', () => JSON.parse(text));
await bench.run();

const rows = bench.tasks.map((task) => {
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return `| ${task.name} | ${formatRate(result.throughput.p50)} | ${(result.latency.p50 * 1000).toFixed(2)} |`;
});

const markdown = `## Comparison engine (libs/compare)

${machine()}. Payload: a ${Buffer.byteLength(text)}-byte order (5 items), decoded once; rules:
ignore 2 paths, 2 tolerances, items unordered by sku, null equals missing. Reference in the same
run: \`JSON.parse\` of the same payload.

| scenario | comparisons/s (median) | µs per comparison (median) |
|---|---:|---:|
${rows.join('\n')}

Command: \`npm run bench:compare\`.`;
writeSection('compare', markdown);
process.stdout.write(`${markdown}\n`);
