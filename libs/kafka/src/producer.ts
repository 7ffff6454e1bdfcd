import { Partitioners, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';

/**
 * A producer that never creates topics by accident and partitions keys with the default (Java
 * client compatible, murmur2) partitioner, so keys land where a Java producer would put them.
 */
export function createProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner, ...config });
}
