package io.turnout.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnout.multijvm.harness.Admin;
import io.turnout.multijvm.harness.Await;
import io.turnout.multijvm.harness.ClusterExtension;
import io.turnout.multijvm.harness.History;
import io.turnout.multijvm.harness.LocalCluster;
import io.turnout.multijvm.harness.NodeProcess;
import io.turnout.multijvm.harness.Report;
import io.turnout.ops.load.FixedRateLoad;
import io.turnout.ops.load.LoadRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every node restarted, one at a time (SIGTERM, exit, start, ready and a member again), under
 * {@value #RATE} predictions a second through nginx for the whole run, while a canary of Iris v2
 * over v1 bakes: no request fails, and the rollout's history only grows by what its gates decided.
 */
@Order(1)
@ExtendWith(ClusterExtension.class)
class RollingRestartIT {
  static final String MODEL = "iris-restart";
  static final int RATE = 200;

  @Test
  void everyNodeRestartsWithoutAFailedRequest(LocalCluster cluster) throws Exception {
    cluster.restore();
    Admin admin = cluster.admin();
    // A bake far longer than the run: the canary stays at its first step throughout. The gate is
    // loose on purpose: this is about restarts, not about telling two Iris versions apart on a
    // machine whose latency the restarts themselves disturb.
    Admin.Reply started = admin.post("/admin/models/" + MODEL + "/rollouts", """
        {"targetVersion": 2, "stickyHeader": "X-User-Id",
         "phases": [{"kind": "canary", "steps": [30, 100], "bakeTime": "2h",
           "gate": {"minSamples": 100, "maxErrorRateIncrease": 0.05, "maxP99Ratio": 20}}]}""");
    assertEquals(201, started.status(), started.toString());
    Await.until("canary at 30 % with its replicas ready", Duration.ofSeconds(90),
        () -> canaryServing(cluster.admin(), MODEL), () -> cluster.admin().get("/admin/models/" + MODEL + "/rollout").body());
    cluster.awaitHealthy(LocalCluster.HEALTHY_TIMEOUT);

    FixedRateLoad load = cluster.load(MODEL, RATE);
    long loadStart = System.nanoTime();
    List<History.Entry> before;
    long disturbanceStart;
    long disturbanceEnd;
    List<LocalCluster.Restart> restarts = new ArrayList<>();
    LoadRecord record;
    try {
      Await.sleep(Duration.ofSeconds(10)); // the "before" window for latency
      before = cluster.admin().history(MODEL);
      disturbanceStart = System.nanoTime();
      for (NodeProcess node : cluster.nodes()) {
        LocalCluster.say("rolling restart: " + node.name());
        restarts.add(cluster.restart(node));
      }
      disturbanceEnd = System.nanoTime();
      Await.sleep(Duration.ofSeconds(5));
    } finally {
      record = load.stop(Duration.ofSeconds(30));
      if (!record.failures().isEmpty()) LocalCluster.say("failed requests so far: " + record.failed() + ", first: "
          + record.failures().stream().limit(5).toList());
    }
    long loadEnd = System.nanoTime();

    List<History.Entry> after = cluster.admin().history(MODEL);
    List<History.Entry> added = History.appended(before, after);
    JsonNode status = cluster.admin().get("/admin/models/" + MODEL + "/rollout").json();
    LoadRecord during = record.dueBetween(disturbanceStart, disturbanceEnd);
    List<String> lbRetries = cluster.lbRetries();

    new Report("Rolling restart of " + LocalCluster.NODES + " nodes under " + RATE + " req/s through nginx, canary "
        + MODEL + " v1 -> v2 baking")
        .row("requests sent", "%d over %.1f s", record.count(), Await.seconds(loadStart, loadEnd))
        .row("requests failed", "%d %s", record.failed(), record.statuses())
        .row("during the restarts", Report.latency(during))
        .row("before the restarts", Report.latency(record.dueBetween(loadStart, disturbanceStart)))
        .row("recovery per node", restarts.stream().map(r -> String.format(Locale.ROOT,
            "%s exit %d, stopped in %.1f s, healthy again %.1f s later", r.node(), r.exitCode(),
            r.stop().toMillis() / 1000.0, r.backHealthy().toMillis() / 1000.0)).collect(Collectors.joining("; ")))
        .row("all restarts", "%.1f s", Await.seconds(disturbanceStart, disturbanceEnd))
        .row("nginx retries", "%d requests passed to another node after a connection error", lbRetries.size())
        .row("history", "%d entries before, %d added: %s", before.size(), added.size(), added)
        .row("rollout after", "%s, routing %s", status.path("state").asText(), status.path("routing").path("weights"))
        .print();

    assertEquals(0, record.failed(), () -> "failed requests: " + record.failures().stream().limit(10).toList());
    assertTrue(record.count() >= RATE * Await.seconds(loadStart, loadEnd) * 0.95, "the load kept its rate");
    for (LocalCluster.Restart restart : restarts) assertEquals(0, restart.exitCode(), restart.node() + " exits 0 on SIGTERM");
    assertTrue(added.stream().allMatch(e -> e.by().equals("gate")), () -> "only the gates added events: " + added);
    assertTrue(History.sequenceProblems(after).isEmpty(), () -> History.sequenceProblems(after).toString());
    assertEquals("rolling", status.path("state").asText(), "the canary is still in progress");

    Admin.Reply aborted = cluster.admin().post("/admin/models/" + MODEL + "/rollout/abort", "{\"reason\": \"test done\"}");
    assertEquals(200, aborted.status(), aborted.toString());
  }

  /** The canary routes its first step's share to v2 and every v2 replica it wants is ready. */
  static Optional<Boolean> canaryServing(Admin admin, String model) {
    Admin.Reply reply = admin.get("/admin/models/" + model + "/rollout");
    if (!reply.ok()) return Optional.empty();
    JsonNode status = reply.json();
    boolean weighted = false;
    for (JsonNode weight : status.path("routing").path("weights")) {
      if (weight.path("version").asLong() == 2 && weight.path("percent").asDouble() > 0) weighted = true;
    }
    int wanted = status.path("desiredReplicas").path("2").asInt(-1);
    int ready = status.path("readyReplicas").path("2").asInt(0);
    return weighted && wanted > 0 && ready >= wanted ? Optional.of(true) : Optional.empty();
  }
}
