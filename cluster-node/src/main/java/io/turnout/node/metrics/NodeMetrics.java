package io.turnout.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.turnout.node.directory.ServingView;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.protocol.ModelVersionId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * The node's Prometheus meters, one registry per actor system (tests run several nodes in one JVM).
 * Per-request meters are resolved once per model version and kept, so recording a prediction is a
 * map read and a few atomic increments, never a lookup by tags. What the node knows rather than
 * counts (replicas, routing tables, membership) is read from the current view when scraped.
 *
 * <p>Series, as Prometheus names them (the test {@code MetricsTest} and the Grafana dashboard in
 * {@code docker/} use these names; {@link #SERIES} lists them):
 * <ul>
 *   <li>{@code turnout_predictions_total{model,version,outcome}}: replica answers by outcome
 *       ({@link Outcome}), counted for the version that answered</li>
 *   <li>{@code turnout_prediction_latency_seconds{model,version}}: histogram, from asking a replica
 *       to its answer, retry included (what rollout gates compare)</li>
 *   <li>{@code turnout_http_responses_total{code}}: every response of the prediction port, so
 *       refusals before any replica (404, 400, 413) count too</li>
 *   <li>{@code turnout_batch_size_rows{model,version}}: histogram of rows per TensorFlow call</li>
 *   <li>{@code turnout_replicas_ready{model,version,location}}, {@code turnout_replicas_listed},
 *       {@code turnout_version_state{model,version,state}} (1 for the current state)</li>
 *   <li>{@code turnout_routing_revision{model}}, {@code turnout_routing_stable_version{model}},
 *       {@code turnout_routing_weight_ratio{model,version}} (0..1)</li>
 *   <li>{@code turnout_node_ready}, {@code turnout_cluster_members{status}},
 *       {@code turnout_cluster_unreachable_members}</li>
 *   <li>JVM and process: {@code jvm_memory_used_bytes}, {@code jvm_gc_pause_seconds},
 *       {@code jvm_threads_live_threads}, {@code process_cpu_usage}, {@code process_resident_memory_bytes},
 *       {@code process_open_fds}, {@code process_uptime_seconds}, …</li>
 * </ul>
 */
public final class NodeMetrics implements Extension {
  /** Prometheus' text exposition format, what {@link #scrape()} writes. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** Every Turnout series this class exports (histograms by their base name). */
  public static final List<String> SERIES = List.of(
      "turnout_predictions_total", "turnout_prediction_latency_seconds", "turnout_http_responses_total",
      "turnout_batch_size_rows", "turnout_replicas_ready", "turnout_replicas_listed", "turnout_version_state",
      "turnout_routing_revision", "turnout_routing_stable_version", "turnout_routing_weight_ratio",
      "turnout_node_ready", "turnout_cluster_members", "turnout_cluster_unreachable_members");

  /** Why a prediction that reached a replica ended as it did, the {@code outcome} label. */
  public enum Outcome {
    OK("ok"),
    /** Input that does not fit the signature: the client's fault, not counted as a version's error. */
    INVALID_INPUT("invalid_input"),
    REFUSED_BY_MODEL("refused_by_model"),
    OVERLOADED("overloaded"),
    /** No replica answered: loading, stopping, gone, or the ask timed out (after one retry). */
    UNAVAILABLE("unavailable"),
    FAILED("failed");

    public final String label;

    Outcome(String label) {
      this.label = label;
    }

    static Outcome of(PredictReply reply) {
      if (!(reply instanceof Rejected rejected)) return OK;
      return switch (rejected.rejection()) {
        case INVALID_INPUT -> INVALID_INPUT;
        case REFUSED_BY_MODEL -> REFUSED_BY_MODEL;
        case OVERLOADED -> OVERLOADED;
        case UNAVAILABLE -> UNAVAILABLE;
        case FAILED -> FAILED;
      };
    }
  }

  // Bucket bounds: fine below 10 ms where a healthy small model answers, coarse up to the ask timeout.
  private static final Duration[] LATENCY_BUCKETS = {
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofMillis(2), Duration.ofMillis(3), Duration.ofMillis(5), Duration.ofMillis(7),
      Duration.ofMillis(10), Duration.ofMillis(15), Duration.ofMillis(20), Duration.ofMillis(30),
      Duration.ofMillis(50), Duration.ofMillis(75), Duration.ofMillis(100), Duration.ofMillis(250),
      Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
      Duration.ofSeconds(10)};
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

  /** One version's pre-resolved prediction meters. */
  public static final class PredictionMeters {
    private final Counter[] byOutcome;
    private final Timer latency;

    private PredictionMeters(Counter[] byOutcome, Timer latency) {
      this.byOutcome = byOutcome;
      this.latency = latency;
    }

    public void record(long nanos, PredictReply reply) {
      byOutcome[Outcome.of(reply).ordinal()].increment();
      latency.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private static final Id ID = new Id();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<ModelVersionId, PredictionMeters> predictions = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<Counter> responses = new AtomicReferenceArray<>(600);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private volatile ServingGauges serving;

  private NodeMetrics() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    // TensorFlow's memory is native: heap gauges alone would hide it.
    Gauge.builder("process.resident.memory", NodeMetrics::residentBytes).baseUnit("bytes")
        .description("Resident set size of the node process (Linux)").register(registry);
  }

  public static NodeMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The meters of {@code version}'s predictions, made on first use. */
  public PredictionMeters predictions(ModelVersionId version) {
    PredictionMeters meters = predictions.get(version);
    return meters != null ? meters : predictions.computeIfAbsent(version, this::newPredictionMeters);
  }

  /** Counts one replica answer for {@code version}, {@code nanos} after the edge asked. */
  public void recordPrediction(ModelVersionId version, long nanos, PredictReply reply) {
    predictions(version).record(nanos, reply);
  }

  /** Counts a response of the prediction port by status code. */
  public void recordResponse(int status) {
    if (status < 0 || status >= responses.length()) return;
    Counter counter = responses.get(status);
    if (counter == null) {
      counter = Counter.builder("turnout.http.responses").tag("code", Integer.toString(status))
          .description("Responses of the prediction port by status code").register(registry);
      responses.set(status, counter);
    }
    counter.increment();
  }

  /** The histogram of rows per TensorFlow call of {@code version}'s replicas on this node. */
  public DistributionSummary batchRows(ModelVersionId version) {
    return DistributionSummary.builder("turnout.batch.size").baseUnit("rows")
        .description("Rows merged into one TensorFlow call").tags("model", version.model(),
            "version", Long.toString(version.version()))
        .serviceLevelObjectives(BATCH_BUCKETS).register(registry);
  }

  /**
   * Exports what {@code view} and {@code ready} say at each scrape: replica states, routing
   * tables, readiness and cluster membership of {@code system}.
   */
  public void watch(ActorSystem<?> system, Supplier<ServingView> view, BooleanSupplier ready) {
    serving = new ServingGauges(registry, system, view, ready);
  }

  /** Every series in Prometheus' text format, gauges of the view read now. */
  public synchronized String scrape() {
    ServingGauges current = serving;
    if (current != null) current.refresh();
    return registry.scrape();
  }

  private PredictionMeters newPredictionMeters(ModelVersionId version) {
    String model = version.model();
    String number = Long.toString(version.version());
    Outcome[] outcomes = Outcome.values();
    Counter[] counters = new Counter[outcomes.length];
    for (Outcome outcome : outcomes) {
      counters[outcome.ordinal()] = Counter.builder("turnout.predictions")
          .description("Predictions answered by a replica, by outcome")
          .tags("model", model, "version", number, "outcome", outcome.label).register(registry);
    }
    Timer latency = Timer.builder("turnout.prediction.latency")
        .description("From asking a replica to its answer, retry included")
        .tags("model", model, "version", number).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    return new PredictionMeters(counters, latency);
  }

  private static double residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024.0;
        }
      }
    } catch (IOException | RuntimeException notLinux) {
      // no /proc: the gauge reads NaN, which Prometheus shows as missing
    }
    return Double.NaN;
  }

  private void close() {
    gc.close();
    registry.close();
  }

  private static final class Id extends ExtensionId<NodeMetrics> {
    @Override
    public NodeMetrics createExtension(ActorSystem<?> system) {
      NodeMetrics metrics = new NodeMetrics();
      system.getWhenTerminated().thenRun(metrics::close);
      return metrics;
    }
  }
}
