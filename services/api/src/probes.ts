import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '@shadowdiff/store';
import type { Admin, Kafka } from 'kafkajs';
import type { VerdictReader } from './verdict-reader.ts';

/** How long one readiness computation answers /readyz, ms. */
const READINESS_CACHE_MS = 1000;

export interface ProbeDeps {
  readonly reader: VerdictReader;
  readonly redis: RedisClient;
  readonly kafka: Kafka;
  /** Whether the verdict reader runs at all (off: it counts as consuming, and as `off` in readiness). */
  readonly readVerdicts: boolean;
}

/**
 * /healthz and /readyz. Returns what stops them: the Kafka admin connection readiness keeps open.
 */
export function registerProbes(app: FastifyInstance, { reader, redis, kafka, readVerdicts }: ProbeDeps): { stop(): Promise<void> } {
  // Healthy while the verdict reader consumes, or waits for topics no joiner has created yet;
  // 503 while kafkajs restarts its consumer and once it gave up (nothing is read any more).
  app.get('/healthz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const state = readVerdicts ? reader.state() : 'consuming';
    const healthy = state === 'consuming' || state === 'waiting' || state === 'idle';
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : state, reader: state });
  });
  // Readiness is asked often (every probe period, by every probe): one Kafka admin connection
  // kept open, one computation shared by concurrent calls, its result reused for a second.
  let admin: Admin | undefined;
  let readiness: { at: number; result: Promise<{ ok: boolean; checks: Record<string, unknown> }> } | undefined;
  const computeReadiness = async () => {
    const checks = { redis: false, kafka: false, caughtUp: false, reader: readVerdicts ? reader.state() : 'off' };
    checks.redis = await redis.ping().then(() => true, () => false);
    try {
      if (!admin) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
      checks.kafka = true;
      const committed = await admin.fetchOffsets({ groupId: reader.groupId, topics: [...reader.topics] });
      const done = new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}/${p.partition}`, Number(p.offset)] as const)));
      let caughtUp = true;
      for (const topic of reader.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          if (Number(p.high) > Math.max(0, done.get(`${topic}/${p.partition}`) ?? 0)) caughtUp = false;
        }
      }
      checks.caughtUp = caughtUp;
    } catch {
      // Not reachable (reported below); the next computation connects anew.
      const broken = admin;
      admin = undefined;
      await broken?.disconnect().catch(() => undefined);
    }
    const ok = checks.redis && checks.kafka && checks.caughtUp && (checks.reader === 'consuming' || checks.reader === 'off');
    return { ok, checks };
  };
  app.get('/readyz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const now = Date.now();
    if (!readiness || now - readiness.at > READINESS_CACHE_MS) readiness = { at: now, result: computeReadiness() };
    const { ok, checks } = await readiness.result;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
  return {
    async stop() {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
