// The lagging phase for the Kafka Streams peer: the peer starts on a pair whose new topic is empty
// and consumes the whole old side; only then is the new side filled. Kafka Streams does not wait
// for an empty partition whose lag it knows to be zero, so stream time runs ahead on the old side.
import type { Admin, Kafka } from 'kafkajs';
import { fill } from './fill.ts';
import type { VerdictCounts, orders } from './orders.ts';
import { startStreamsPeer, type PeerLine, type PeerOptions } from './streams-peer.ts';

export interface PeerLaggingOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** Topic prefix and application.id of this phase. */
  readonly prefix: string;
  readonly partitions: number;
  readonly records: number;
  readonly data: ReturnType<typeof orders>;
  readonly jar: string;
  readonly peer: Omit<PeerOptions, 'oldTopic' | 'newTopic' | 'outTopic' | 'appId' | 'expected'>;
  readonly fillInFlight: number;
  readonly log: (line: string) => void;
}

export interface PeerLaggingResult {
  readonly oldRecords: number;
  readonly newRecords: number;
  /** The peer's counts when it had consumed the old side, before the new side was filled. */
  readonly afterOld: PeerLine;
  /** Its last line, after the new side. */
  readonly last: PeerLine;
  readonly peakRssMb: number;
  readonly expected: VerdictCounts;
}

export async function peerLaggingPhase(o: PeerLaggingOptions): Promise<PeerLaggingResult> {
  const oldTopic = `${o.prefix}.old`;
  const newTopic = `${o.prefix}.new`;
  const outTopic = `${o.prefix}.verdicts`;
  await o.admin.createTopics({ topics: [oldTopic, newTopic, outTopic].map((topic) => ({ topic, numPartitions: o.partitions, replicationFactor: 1 })), waitForLeaders: true });
  const filledOld = await fill(o.kafka, oldTopic, o.records, (i) => o.data.oldRecord(i), o.fillInFlight);
  o.log(`${oldTopic}: ${filledOld.produced} records in ${(filledOld.ms / 1000).toFixed(1)} s`);
  // The new side's count is known only once it is filled; expected counts both sides of the data.
  const newCount = o.records - o.data.expected(o.records).missing_new;
  const peer = startStreamsPeer(o.jar, { ...o.peer, oldTopic, newTopic, outTopic, appId: o.prefix, expected: filledOld.produced + newCount });
  try {
    const afterOld = await peer.consumed(filledOld.produced);
    o.log(`peer, lagging: old side consumed; verdicts so far ${JSON.stringify(afterOld.verdicts)}`);
    const filledNew = await fill(o.kafka, newTopic, o.records, (i) => o.data.newRecord(i), o.fillInFlight);
    await peer.settled();
    const { last, peakRssMb } = await peer.stop();
    return { oldRecords: filledOld.produced, newRecords: filledNew.produced, afterOld, last, peakRssMb, expected: o.data.expected(o.records) };
  } catch (error) {
    await peer.stop().catch(() => undefined);
    throw error;
  }
}
