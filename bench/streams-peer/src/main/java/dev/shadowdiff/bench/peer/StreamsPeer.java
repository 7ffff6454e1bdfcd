package dev.shadowdiff.bench.peer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.kstream.ValueJoinerWithKey;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * The Kafka Streams comparator the joiner benchmark measures shadowdiff against: an outer join of
 * the old and the new topic by message key within a window of event time, a field-by-field
 * comparison of the two JSON values, and verdicts as JSON on an output topic.
 *
 * <p>Settings, each as {@code --name=value} or the environment variable {@code PEER_NAME}:
 * brokers, old, new, out, app-id, threads (1), expected (input records; 0 = unknown), window-ms
 * (5000), grace-ms (0), sample (0.01, the share of matches written out), time-header (source-ts;
 * Kafka's timestamp when a record has none), state-dir.
 *
 * <p>Stdout: one JSON object per line, every second and once more after it stopped (SIGTERM).
 */
public final class StreamsPeer {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StreamsPeer() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> settings = settings(args);
    String brokers = setting(settings, "brokers", "127.0.0.1:9092");
    String oldTopic = required(settings, "old");
    String newTopic = required(settings, "new");
    String outTopic = required(settings, "out");
    String appId = required(settings, "app-id");
    int threads = Integer.parseInt(setting(settings, "threads", "1"));
    long expected = Long.parseLong(setting(settings, "expected", "0"));
    long windowMs = Long.parseLong(setting(settings, "window-ms", "5000"));
    long graceMs = Long.parseLong(setting(settings, "grace-ms", "0"));
    double sample = Double.parseDouble(setting(settings, "sample", "0.01"));
    String timeHeader = setting(settings, "time-header", "source-ts");
    String stateDir = required(settings, "state-dir");

    Counts counts = new Counts(expected);
    StreamsBuilder builder = new StreamsBuilder();
    Consumed<String, String> consumed = Consumed.with(Serdes.String(), Serdes.String()).withTimestampExtractor(new HeaderTime(timeHeader));
    KStream<String, String> oldSide = builder.stream(oldTopic, consumed).peek((k, v) -> counts.consumed("old"));
    KStream<String, String> newSide = builder.stream(newTopic, consumed).peek((k, v) -> counts.consumed("new"));
    ValueJoinerWithKey<String, String, String, String> judge = (key, oldValue, newValue) -> verdict(key, oldValue, newValue, sample, counts);
    oldSide
        .outerJoin(newSide, judge, JoinWindows.ofTimeDifferenceAndGrace(Duration.ofMillis(windowMs), Duration.ofMillis(graceMs)), StreamJoined.with(Serdes.String(), Serdes.String(), Serdes.String()))
        .filter((key, verdict) -> verdict != null)
        .to(outTopic, Produced.with(Serdes.String(), Serdes.String()));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    streams.setUncaughtExceptionHandler(error -> {
      System.err.println("streams-peer: stream thread failed: " + error);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });

    ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "streams-peer-reporter");
      thread.setDaemon(true);
      return thread;
    });
    reporter.scheduleAtFixedRate(() -> report(streams, counts, false), 1, 1, TimeUnit.SECONDS);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      reporter.shutdownNow();
      streams.close(Duration.ofSeconds(30));
      report(streams, counts, true);
      streams.cleanUp();
    }, "streams-peer-shutdown"));
    streams.start();
  }

  /** The verdict on one outcome of the join, as JSON for the output topic, or null for a match not sampled. */
  private static String verdict(String key, String oldValue, String newValue, double sample, Counts counts) {
    ObjectNode verdict = JSON.createObjectNode();
    verdict.put("schema", "streams-peer.verdict.v1");
    verdict.put("key", key);
    JsonNode oldJson = parse(oldValue);
    JsonNode newJson = parse(newValue);
    String kind;
    ArrayNode differences = null;
    if (oldValue == null) kind = "missing_old";
    else if (newValue == null) kind = "missing_new";
    else if (oldJson == null) kind = "invalid_old";
    else if (newJson == null) kind = "invalid_new";
    else {
      differences = JsonDiff.differences(oldJson, newJson);
      kind = differences.isEmpty() ? "match" : "mismatch";
    }
    boolean emit = !kind.equals("match") || sampled(key, sample);
    counts.decided(kind, emit);
    if (!emit) return null;
    verdict.put("verdict", kind);
    verdict.put("decidedAt", Instant.now().toString());
    if (oldValue != null) verdict.putObject("old").set("value", oldJson != null ? oldJson : JSON.getNodeFactory().textNode(oldValue));
    if (newValue != null) verdict.putObject("new").set("value", newJson != null ? newJson : JSON.getNodeFactory().textNode(newValue));
    if (differences != null) verdict.set("differences", differences);
    try {
      return JSON.writeValueAsString(verdict);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode parse(String value) {
    if (value == null) return null;
    try {
      return JSON.readTree(value);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** Deterministic by key (FNV-1a), so a verdict written again after a restart is sampled alike. */
  private static boolean sampled(String key, double ratio) {
    int hash = 0x811c9dc5;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) hash = (hash ^ (b & 0xff)) * 0x01000193;
    return (hash & 0xffffffffL) / 4294967296.0 < ratio;
  }

  private static synchronized void report(KafkaStreams streams, Counts counts, boolean last) {
    ObjectNode line = counts.snapshot();
    line.put("state", streams.state().name());
    line.put("final", last);
    double dropped = 0;
    for (var metric : streams.metrics().entrySet()) {
      if (metric.getKey().name().equals("dropped-records-total") && metric.getKey().group().equals("stream-task-metrics")) {
        Object value = metric.getValue().metricValue();
        if (value instanceof Number n) dropped += n.doubleValue();
      }
    }
    line.put("droppedRecords", (long) dropped);
    line.put("at", System.currentTimeMillis());
    System.out.println(line);
    System.out.flush();
  }

  /** Event time from a header holding epoch milliseconds, as the joiner reads it; Kafka's timestamp otherwise. */
  private static final class HeaderTime implements TimestampExtractor {
    private final String header;

    HeaderTime(String header) {
      this.header = header;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
      Header h = record.headers().lastHeader(header);
      if (h != null && h.value() != null) {
        try {
          return Long.parseLong(new String(h.value(), StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
          // fall through to the record's own timestamp
        }
      }
      return record.timestamp();
    }
  }

  private static Map<String, String> settings(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (String arg : args) {
      if (!arg.startsWith("--") || !arg.contains("=")) throw new IllegalArgumentException("expected --name=value, got " + arg);
      out.put(arg.substring(2, arg.indexOf('=')), arg.substring(arg.indexOf('=') + 1));
    }
    return out;
  }

  private static String setting(Map<String, String> settings, String name, String fallback) {
    String value = settings.get(name);
    if (value == null) value = System.getenv("PEER_" + name.toUpperCase().replace('-', '_'));
    return value != null ? value : fallback;
  }

  private static String required(Map<String, String> settings, String name) {
    String value = setting(settings, name, null);
    if (value == null) throw new IllegalArgumentException("missing setting --" + name + "=… (or PEER_" + name.toUpperCase().replace('-', '_') + ")");
    return value;
  }
}
