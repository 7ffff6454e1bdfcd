package dev.shadowdiff.bench.peer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** What the peer has consumed and decided, updated by the stream threads and read by the reporter. */
final class Counts {
  static final String[] KINDS = {"match", "mismatch", "missing_old", "missing_new", "invalid_old", "invalid_new"};

  private final long expected;
  private final LongAdder consumedOld = new LongAdder();
  private final LongAdder consumedNew = new LongAdder();
  private final LongAdder emitted = new LongAdder();
  private final Map<String, LongAdder> verdicts = new ConcurrentHashMap<>();
  private final AtomicLong firstMs = new AtomicLong();
  private final AtomicLong lastMs = new AtomicLong();
  private final AtomicLong allConsumedMs = new AtomicLong();

  Counts(long expected) {
    this.expected = expected;
    for (String kind : KINDS) verdicts.put(kind, new LongAdder());
  }

  /** One input record has reached the join, on `side` ("old" or "new"). */
  void consumed(String side) {
    long now = System.currentTimeMillis();
    firstMs.compareAndSet(0, now);
    lastMs.set(now);
    (side.equals("old") ? consumedOld : consumedNew).increment();
    if (expected > 0 && allConsumedMs.get() == 0 && consumed() >= expected) allConsumedMs.compareAndSet(0, now);
  }

  void decided(String kind, boolean emittedToTopic) {
    verdicts.computeIfAbsent(kind, k -> new LongAdder()).increment();
    if (emittedToTopic) emitted.increment();
  }

  long consumed() {
    return consumedOld.sum() + consumedNew.sum();
  }

  /** One JSON object of everything counted, plus what the caller adds. */
  ObjectNode snapshot() {
    ObjectNode line = JsonNodeFactory.instance.objectNode();
    line.put("consumed", consumed());
    line.put("consumedOld", consumedOld.sum());
    line.put("consumedNew", consumedNew.sum());
    line.put("expected", expected);
    ObjectNode byKind = line.putObject("verdicts");
    new TreeMap<>(verdicts).forEach((kind, count) -> byKind.put(kind, count.sum()));
    line.put("emitted", emitted.sum());
    line.put("firstMs", firstMs.get());
    line.put("lastMs", lastMs.get());
    line.put("allConsumedMs", allConsumedMs.get());
    return line;
  }
}
