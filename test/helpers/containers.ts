/**
 * The integration tests' Kafka, Redis and schema registry as containers (testcontainers), for
 * machines with a container engine. The same versions as the local stack of infra/: Kafka 4.x in
 * KRaft mode, Redis 7.4, Apicurio Registry 3.0.9. CI here has no engine: this path is not run there.
 */
import { KafkaContainer, type StartedKafkaContainer } from '@testcontainers/kafka';
import { RedisContainer, type StartedRedisContainer } from '@testcontainers/redis';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

/** Confluent's image of Apache Kafka 4.0 (what @testcontainers/kafka drives), KRaft from 8.0 on. */
export const KAFKA_IMAGE = 'confluentinc/cp-kafka:8.0.0';
export const REDIS_IMAGE = 'redis:7.4';
export const REGISTRY_IMAGE = 'apicurio/apicurio-registry:3.0.9';
const KAFKA_PORT = 9093;

export interface ContainerStack {
  readonly brokers: string;
  readonly redisUrl: string;
  readonly registryUrl: string;
  stop(): Promise<void>;
}

export async function startContainers(log: (line: string) => void): Promise<ContainerStack> {
  log(`starting ${KAFKA_IMAGE}, ${REDIS_IMAGE} and ${REGISTRY_IMAGE} with testcontainers`);
  // Every start settles before anything is decided: when one fails, the ones that started are
  // stopped, not left running.
  const starts = await Promise.allSettled([
    new KafkaContainer(KAFKA_IMAGE).withKraft().start(),
    new RedisContainer(REDIS_IMAGE).start(),
    new GenericContainer(REGISTRY_IMAGE).withExposedPorts(8080).withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080)).start(),
  ] as const);
  const started: StartedTestContainer[] = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = starts.find((s) => s.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(started.map((c) => c.stop()));
    throw failed.reason;
  }
  const [kafka, redis, registry] = starts.map((s) => (s as PromiseFulfilledResult<StartedTestContainer>).value) as unknown as [StartedKafkaContainer, StartedRedisContainer, StartedTestContainer];
  return {
    brokers: `${kafka.getHost()}:${kafka.getMappedPort(KAFKA_PORT)}`,
    redisUrl: redis.getConnectionUrl(),
    registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
    stop: async () => void (await Promise.allSettled(started.map((c) => c.stop()))),
  };
}
