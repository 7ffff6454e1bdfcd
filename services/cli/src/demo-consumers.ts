import { createProducer } from '@shadowdiff/kafka';
import type { Kafka, Message } from 'kafkajs';

/** One input event of the demo: an order placed in a shop. */
export interface DemoOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly tier: 'standard' | 'gold';
  readonly items: readonly { sku: string; qty: number; unitPrice: number }[];
  readonly currency: 'EUR';
  readonly placedAt: string;
}

/** A deterministic pseudo-random stream, so every demo run shows the same differences. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 0x1_0000_0000;
  };
}

export function demoOrders(count: number, start = Date.now()): DemoOrder[] {
  const random = seeded(42);
  return Array.from({ length: count }, (_, i) => ({
    orderId: `order-${String(i).padStart(6, '0')}`,
    customerId: `customer-${Math.floor(random() * 500)}`,
    tier: random() < 0.03 ? 'gold' : 'standard',
    items: Array.from({ length: 1 + Math.floor(random() * 3) }, (_unused, j) => ({
      sku: `sku-${(i * 7 + j) % 40}`,
      qty: 1 + Math.floor(random() * 4),
      unitPrice: Math.round(random() * 10_000) / 100,
    })),
    currency: 'EUR',
    placedAt: new Date(start + i * 5).toISOString(),
  }));
}

/** What both versions of the demo consumer produce for an order: an invoice. */
interface Invoice {
  orderId: string;
  customerId: string;
  lines: { sku: string; qty: number; amount: number }[];
  subtotal: number;
  tax: number;
  total: number;
  loyalty: { tier: string; points: number };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function baseInvoice(order: DemoOrder): Invoice {
  const lines = order.items.map((it) => ({ sku: it.sku, qty: it.qty, amount: round2(it.qty * it.unitPrice) }));
  const subtotal = round2(lines.reduce((s, l) => s + l.amount, 0));
  return {
    orderId: order.orderId,
    customerId: order.customerId,
    lines,
    subtotal,
    tax: 0,
    total: 0,
    loyalty: { tier: order.tier, points: Math.floor(subtotal) },
  };
}

/** The consumer in production today: tax rounded to nearest, gold customers earn double points. */
export function oldInvoice(order: DemoOrder): Invoice {
  const invoice = baseInvoice(order);
  invoice.tax = round2(invoice.subtotal * 0.2);
  invoice.total = round2(invoice.subtotal + invoice.tax);
  if (order.tier === 'gold') invoice.loyalty.points *= 2;
  return invoice;
}

/**
 * The rewrite being validated. It has three deliberate bugs, each of which shadowdiff should find:
 * for orders of three lines or more it adds line amounts in floating point without rounding the
 * subtotal (12.300000000000001),
 * gold customers lose their double points, and it drops orders whose id ends in 77 (as if it
 * crashed on them).
 */
export function newInvoice(order: DemoOrder): Invoice | null {
  if (order.orderId.endsWith('77')) return null;
  const invoice = baseInvoice(order);
  if (invoice.lines.length >= 3) invoice.subtotal = invoice.lines.reduce((s, l) => s + l.amount, 0);
  invoice.tax = round2(invoice.subtotal * 0.2);
  invoice.total = round2(invoice.subtotal + invoice.tax);
  return invoice;
}

/**
 * Runs one sample consumer: reads the input topic in its own group and writes its output, keyed
 * by order id, with the source event time in a header, as a consumer under migration would.
 */
export async function runSampleConsumer(
  kafka: Kafka,
  { group, input, output, transform }: { group: string; input: string; output: string; transform: (o: DemoOrder) => object | null },
): Promise<() => Promise<void>> {
  const producer = createProducer(kafka);
  const consumer = kafka.consumer({ groupId: group });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: input, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const messages: Message[] = [];
      for (const m of batch.messages) {
        if (!m.value) continue;
        const order = JSON.parse(m.value.toString()) as DemoOrder;
        const result = transform(order);
        if (result === null) continue;
        messages.push({ key: order.orderId, value: JSON.stringify(result), headers: { 'source-ts': order.placedAt } });
      }
      if (messages.length > 0) await producer.send({ topic: output, messages });
    },
  });
  return async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
}
