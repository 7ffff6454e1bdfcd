/**
 * The integration tests' Kafka, Redis and schema registry as containers (testcontainers), for
 * machines with a container engine. The same versions as the local stack of infra/: Kafka 4.x in
 * KRaft mode, Redis 7.4, Apicurio Registry 3.0.9. CI here has no engine: this path is not run there.
 */
import { KafkaContainer } from '@testcontainers/kafka';
import { RedisContainer } from '@testcontainers/redis';
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
  const started: StartedTestContainer[] = [];
  try {
    const [kafka, redis, registry] = await Promise.all([
      new KafkaContainer(KAFKA_IMAGE).withKraft().start(),
      new RedisContainer(REDIS_IMAGE).start(),
      new GenericContainer(REGISTRY_IMAGE).withExposedPorts(8080).withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080)).start(),
    ]);
    started.push(kafka, redis, registry);
    return {
      brokers: `${kafka.getHost()}:${kafka.getMappedPort(KAFKA_PORT)}`,
      redisUrl: redis.getConnectionUrl(),
      registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
      stop: async () => void (await Promise.all(started.map((c) => c.stop()))),
    };
  } catch (error) {
    await Promise.all(started.map((c) => c.stop().catch(() => undefined)));
    throw error;
  }
}
