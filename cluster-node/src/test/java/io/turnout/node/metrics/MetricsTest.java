package io.turnout.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
  private static final String IRIS_ROW = "{\"instances\": [[5.1,3.5,1.4,0.2]]}";

  @Test
  void aNodeExportsPredictionsLatencyBatchesReplicasAndTheJvm(@TempDir Path dir) {
    try (TestNode node = TestNode.start(TestModels.rootWith(dir.resolve("models"), "iris"), "")) {
      node.awaitAvailable("iris", 1, 2);
      for (int i = 0; i < 7; i++) assertEquals(200, node.post("/v1/models/iris/versions/2:predict", IRIS_ROW).statusCode());
      for (int i = 0; i < 3; i++) assertEquals(200, node.post("/v1/models/iris/versions/1:predict", IRIS_ROW).statusCode());
      assertEquals(404, node.post("/v1/models/nope:predict", IRIS_ROW).statusCode());
      assertEquals(400, node.post("/v1/models/iris/versions/2:predict", "{\"instances\": [[1,2]]}").statusCode());

      HttpResponse<String> response = node.get("/metrics");
      assertEquals(200, response.statusCode());
      assertEquals("text/plain; version=0.0.4; charset=UTF-8",
          response.headers().firstValue("Content-Type").orElse(""));
      Scrape scrape = Scrape.parse(response.body());

      assertEquals(7, scrape.value("turnout_predictions_total", "model", "iris", "version", "2", "outcome", "ok"));
      assertEquals(3, scrape.value("turnout_predictions_total", "model", "iris", "version", "1", "outcome", "ok"));
      assertEquals(0, scrape.value("turnout_predictions_total", "model", "iris", "version", "2", "outcome", "failed"));
      assertEquals("counter", scrape.types().get("turnout_predictions_total"));
      // The request for an unknown model is no series of its own: model labels come from registered versions only.
      assertFalse(scrape.has("turnout_predictions_total", "model", "nope"));

      assertEquals("histogram", scrape.types().get("turnout_prediction_latency_seconds"));
      assertEquals(7, scrape.value("turnout_prediction_latency_seconds_count", "model", "iris", "version", "2"));
      assertEquals(7, scrape.value("turnout_prediction_latency_seconds_bucket", "model", "iris", "version", "2", "le", "+Inf"));
      double sum = scrape.value("turnout_prediction_latency_seconds_sum", "model", "iris", "version", "2");
      assertTrue(sum > 0 && sum < 7 * 10.0, "latency sum " + sum);
      assertCumulative(scrape, "turnout_prediction_latency_seconds_bucket", "model", "iris", "version", "2");

      // One row per request, so the rows of every TensorFlow call add up to the requests.
      assertEquals(7, scrape.value("turnout_batch_size_rows_sum", "model", "iris", "version", "2"));
      double calls = scrape.value("turnout_batch_size_rows_count", "model", "iris", "version", "2");
      assertTrue(calls >= 1 && calls <= 7, "batches " + calls);

      // The scrape itself is not counted yet: its response is recorded as it leaves.
      assertTrue(scrape.value("turnout_http_responses_total", "code", "200") >= 10);
      assertEquals(1, scrape.value("turnout_http_responses_total", "code", "404"));
      assertEquals(1, scrape.value("turnout_http_responses_total", "code", "400"));

      assertEquals(1, scrape.value("turnout_replicas_ready", "model", "iris", "version", "2", "location", "local"));
      assertEquals(0, scrape.value("turnout_replicas_ready", "model", "iris", "version", "2", "location", "remote"));
      assertEquals(1, scrape.value("turnout_replicas_listed", "model", "iris", "version", "1"));
      assertEquals(1, scrape.value("turnout_version_state", "model", "iris", "version", "1", "state", "available"));
      assertEquals(0, scrape.value("turnout_version_state", "model", "iris", "version", "1", "state", "failed"));
      assertEquals(1, scrape.value("turnout_node_ready"));
      assertEquals(1, scrape.value("turnout_cluster_members", "status", "up"));
      assertEquals(0, scrape.value("turnout_cluster_unreachable_members"));

      assertTrue(scrape.value("jvm_memory_used_bytes", "area", "heap", "id", "G1 Eden Space") >= 0);
      assertTrue(scrape.value("process_resident_memory_bytes") > 50e6, "RSS of a JVM with TensorFlow loaded");
      assertTrue(scrape.value("jvm_threads_live_threads") > 10);
      assertTrue(scrape.has("process_cpu_usage"));
      assertTrue(scrape.has("process_uptime_seconds"));
      assertTrue(scrape.has("process_files_open_files"));

      Scrape again = Scrape.parse(node.get("/metrics").body());
      assertTrue(again.value("turnout_http_responses_total", "code", "200")
          > scrape.value("turnout_http_responses_total", "code", "200"));
    }
  }

  @Test
  void routingTablesAndReplicaStatesFollowTheViewAndGoneVersionsDropOut() {
    ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0")
        .withFallback(ConfigFactory.load()));
    try {
      ActorRef<ModelVersionReplica.Command> local = testKit.<ModelVersionReplica.Command>createTestProbe().ref();
      ActorRef<ModelVersionReplica.Command> remote = testKit.<ModelVersionReplica.Command>createTestProbe().ref();
      RoutingTable canary = new RoutingTable("iris", 7, 1,
          List.of(new WeightedVersion(2, 1_000), new WeightedVersion(1, 9_000)), List.of(), "X-User-Id");
      AtomicReference<ServingView> view = new AtomicReference<>(new ServingView(
          Map.of("iris", versions(ready(1, List.of(local), List.of(remote)), ready(2, List.of(), List.of(remote)),
              loading(3)), "wide", versions(failed(1))),
          Map.of("iris", canary)));
      NodeMetrics metrics = NodeMetrics.get(testKit.system());
      metrics.watch(testKit.system(), view::get, () -> false);

      Scrape first = Scrape.parse(metrics.scrape());
      assertEquals(7, first.value("turnout_routing_revision", "model", "iris"));
      assertEquals(1, first.value("turnout_routing_stable_version", "model", "iris"));
      assertEquals(0.9, first.value("turnout_routing_weight_ratio", "model", "iris", "version", "1"), 1e-9);
      assertEquals(0.1, first.value("turnout_routing_weight_ratio", "model", "iris", "version", "2"), 1e-9);
      assertEquals(0, first.value("turnout_routing_weight_ratio", "model", "iris", "version", "3"));
      assertFalse(first.has("turnout_routing_revision", "model", "wide"), "no table, no revision");
      assertEquals(1, first.value("turnout_replicas_ready", "model", "iris", "version", "1", "location", "local"));
      assertEquals(1, first.value("turnout_replicas_ready", "model", "iris", "version", "1", "location", "remote"));
      assertEquals(1, first.value("turnout_version_state", "model", "iris", "version", "3", "state", "loading"));
      assertEquals(1, first.value("turnout_version_state", "model", "wide", "version", "1", "state", "failed"));
      assertEquals(0, first.value("turnout_version_state", "model", "wide", "version", "1", "state", "available"));
      assertEquals(0, first.value("turnout_node_ready"));

      RoutingTable promoted = RoutingTable.stable("iris", 9, 2, "X-User-Id");
      view.set(new ServingView(Map.of("iris", versions(ready(2, List.of(local), List.of()))), Map.of("iris", promoted)));
      Scrape second = Scrape.parse(metrics.scrape());
      assertEquals(9, second.value("turnout_routing_revision", "model", "iris"));
      assertEquals(1.0, second.value("turnout_routing_weight_ratio", "model", "iris", "version", "2"));
      assertFalse(second.has("turnout_routing_weight_ratio", "version", "1"));
      assertFalse(second.has("turnout_version_state", "model", "wide"));
      assertFalse(second.has("turnout_replicas_ready", "version", "3"));
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void everyOutcomeHasItsLabelAndCountsForTheVersion() {
    ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0")
        .withFallback(ConfigFactory.load()));
    try {
      NodeMetrics metrics = NodeMetrics.get(testKit.system());
      ModelVersionId version = new ModelVersionId("iris", 4);
      metrics.recordPrediction(version, 2_000_000, new Predicted(new InferenceResult(version, Map.of())));
      for (Rejection rejection : Rejection.values()) {
        metrics.recordPrediction(version, 40_000_000, new Rejected(rejection, "why"));
      }
      Scrape scrape = Scrape.parse(metrics.scrape());
      for (String outcome : List.of("ok", "invalid_input", "refused_by_model", "overloaded", "unavailable", "failed")) {
        assertEquals(1, scrape.value("turnout_predictions_total", "version", "4", "outcome", outcome), outcome);
      }
      assertEquals(1, scrape.value("turnout_prediction_latency_seconds_bucket", "version", "4", "le", "0.002"));
      assertEquals(1, scrape.value("turnout_prediction_latency_seconds_bucket", "version", "4", "le", "0.03"));
      assertEquals(6, scrape.value("turnout_prediction_latency_seconds_bucket", "version", "4", "le", "0.05"));
      assertEquals(0.002 + 5 * 0.04, scrape.value("turnout_prediction_latency_seconds_sum", "version", "4"), 1e-9);
    } finally {
      testKit.shutdownTestKit();
    }
  }

  /**
   * The Grafana dashboard in docker/ queries only series a node really exports: every metric name in
   * its PromQL appears in a scrape of a node that answered predictions and has a routing table.
   */
  @Test
  void theGrafanaDashboardQueriesSeriesTheNodeExports() throws IOException {
    Path dashboards = Path.of(System.getProperty("turnout.project.dir", "."), "docker", "grafana", "dashboards");
    List<Path> files;
    try (Stream<Path> listed = Files.list(dashboards)) {
      files = listed.filter(p -> p.toString().endsWith(".json")).toList();
    }
    assertFalse(files.isEmpty(), "no dashboard in " + dashboards);

    ActorTestKit testKit = ActorTestKit.create(ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0")
        .withFallback(ConfigFactory.load()));
    Set<String> exported = new TreeSet<>();
    try {
      NodeMetrics metrics = NodeMetrics.get(testKit.system());
      ModelVersionId version = new ModelVersionId("iris", 1);
      metrics.recordPrediction(version, 1_000_000, new Predicted(new InferenceResult(version, Map.of())));
      metrics.recordResponse(200);
      metrics.batchRows(version).record(1);
      ActorRef<ModelVersionReplica.Command> replica = testKit.<ModelVersionReplica.Command>createTestProbe().ref();
      metrics.watch(testKit.system(), () -> new ServingView(Map.of("iris", versions(ready(1, List.of(replica), List.of()))),
          Map.of("iris", RoutingTable.stable("iris", 1, 1, ""))), () -> true);
      Scrape scrape = Scrape.parse(metrics.scrape());
      scrape.samples().forEach(s -> exported.add(s.name()));
      exported.addAll(scrape.families());
    } finally {
      testKit.shutdownTestKit();
    }
    assertTrue(exported.containsAll(NodeMetrics.SERIES.stream()
        .map(s -> s.endsWith("_seconds") || s.endsWith("_rows") ? s + "_count" : s).toList()),
        "NodeMetrics.SERIES names what the node exports: " + exported);

    ObjectMapper json = new ObjectMapper();
    Pattern metricName = Pattern.compile("\\b((?:turnout|jvm|process|system)_[a-z0-9_]+)\\b");
    for (Path file : files) {
      JsonNode dashboard = json.readTree(file.toFile());
      List<String> expressions = dashboard.findValuesAsText("expr");
      assertFalse(expressions.isEmpty(), file + " has no queries");
      for (String expr : expressions) {
        Matcher names = metricName.matcher(expr);
        boolean any = false;
        while (names.find()) {
          any = true;
          assertTrue(exported.contains(names.group(1)), file.getFileName() + " queries " + names.group(1)
              + ", which the node does not export (in: " + expr + ")");
        }
        assertTrue(any, file.getFileName() + ": a query without a node metric: " + expr);
      }
    }
  }

  private static void assertCumulative(Scrape scrape, String bucket, String... labels) {
    double previous = 0;
    TreeMap<Double, Double> byBound = new TreeMap<>();
    for (Scrape.Sample sample : scrape.find(bucket, labels)) {
      String le = sample.labels().get("le");
      byBound.put(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le), sample.value());
    }
    assertTrue(byBound.size() > 10, "buckets: " + byBound);
    for (double count : byBound.values()) {
      assertTrue(count >= previous, "buckets must be cumulative: " + byBound);
      previous = count;
    }
  }

  private static final Map<String, ModelSignature> SIGNATURES = Map.of(ModelSignature.DEFAULT_KEY,
      new ModelSignature(ModelSignature.DEFAULT_KEY, "tensorflow/serving/predict", Map.of(), Map.of()));

  private static NavigableMap<Long, VersionView> versions(VersionView... views) {
    NavigableMap<Long, VersionView> byVersion = new TreeMap<>();
    for (VersionView view : views) byVersion.put(view.id().version(), view);
    return byVersion;
  }

  private static RegisteredVersion registration(String model, long version) {
    return new RegisteredVersion(new ModelVersionId(model, version), URI.create("file:///models/" + model + "/" + version), 1);
  }

  private static VersionView ready(long version, List<ActorRef<ModelVersionReplica.Command>> local,
      List<ActorRef<ModelVersionReplica.Command>> remote) {
    return new VersionView(registration("iris", version), local, remote, local.size() + remote.size(), "", SIGNATURES);
  }

  private static VersionView loading(long version) {
    return new VersionView(registration("iris", version), List.of(), List.of(), 1, "", Map.of());
  }

  private static VersionView failed(long version) {
    return new VersionView(registration("wide", version), List.of(), List.of(), 1, "cannot load", Map.of());
  }
}
