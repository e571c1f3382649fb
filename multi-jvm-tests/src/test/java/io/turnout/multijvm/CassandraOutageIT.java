package io.turnout.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cassandra stopped for {@value #OUTAGE_SECONDS} s while the cluster serves {@value #RATE}
 * predictions a second through nginx during a canary: predictions keep answering from the routing
 * table the nodes hold, a rollout command answers 503 while the journal is away, and both recover
 * once Cassandra is back, without restarting any node.
 */
@Order(2)
@ExtendWith(ClusterExtension.class)
class CassandraOutageIT {
  static final String MODEL = "iris-outage";
  static final int RATE = 100;
  static final int OUTAGE_SECONDS = 30;

  @Test
  void servingOutlivesACassandraOutage(LocalCluster cluster) throws Exception {
    cluster.restore();
    Admin admin = cluster.admin();
    Admin.Reply started = admin.post("/admin/models/" + MODEL + "/rollouts", """
        {"targetVersion": 2, "stickyHeader": "X-User-Id",
         "phases": [{"kind": "canary", "steps": [50, 100], "bakeTime": "2h",
           "gate": {"minSamples": 100, "maxErrorRateIncrease": 0.05, "maxP99Ratio": 20}}]}""");
    assertEquals(201, started.status(), started.toString());
    Await.until("canary at 50 % with its replicas ready", Duration.ofSeconds(90),
        () -> RollingRestartIT.canaryServing(cluster.admin(), MODEL),
        () -> cluster.admin().get("/admin/models/" + MODEL + "/rollout").body());
    List<Long> pidsBefore = cluster.nodes().stream().map(NodeProcess::pid).toList();
    List<History.Entry> before = admin.history(MODEL);

    FixedRateLoad load = cluster.load(MODEL, RATE);
    long loadStart = System.nanoTime();
    long down;
    long up;
    long statusBack;
    long commandBack;
    boolean pausedMeanwhile;
    Admin.Reply duringOutage;
    Admin.Reply statusDuringOutage;
    int readyDuringOutage = 0;
    LoadRecord record;
    try {
      Await.sleep(Duration.ofSeconds(5));
      LocalCluster.say("stopping Cassandra for " + OUTAGE_SECONDS + " s");
      long stopping = System.nanoTime();
      cluster.stopCassandra();
      down = System.nanoTime();
      Await.sleep(Duration.ofSeconds(3));
      long asked = System.nanoTime();
      duringOutage = admin.post("/admin/models/" + MODEL + "/rollout/pause", "{\"reason\": \"during the outage\"}");
      LocalCluster.say(String.format(Locale.ROOT, "pause while Cassandra is down: %d after %.1f s", duringOutage.status(),
          Await.seconds(asked, System.nanoTime())));
      statusDuringOutage = admin.get("/admin/models/" + MODEL + "/rollout");
      for (NodeProcess node : cluster.nodes()) if (node.readiness() == 200) readyDuringOutage++;
      Await.sleep(Duration.ofNanos(Math.max(0, stopping + Duration.ofSeconds(OUTAGE_SECONDS).toNanos() - System.nanoTime())));
      LocalCluster.say("starting Cassandra again");
      cluster.startCassandra();
      up = System.nanoTime();
      // Recovered: the coordinator answers, and commands it must write to the journal succeed. A
      // command answered 503 may still have been applied (docs/admin.md): the status says.
      Admin.Reply back = Await.until("the rollout status answers again after Cassandra is back", Duration.ofMinutes(3),
          () -> {
            Admin.Reply reply = admin.get("/admin/models/" + MODEL + "/rollout");
            return reply.ok() ? Optional.of(reply) : Optional.empty();
          }, () -> "last: " + admin.get("/admin/models/" + MODEL + "/rollout"));
      statusBack = System.nanoTime();
      pausedMeanwhile = back.json().path("state").asText().equals("paused");
      if (!pausedMeanwhile) {
        Admin.Reply paused = admin.post("/admin/models/" + MODEL + "/rollout/pause", "{\"reason\": \"after the outage\"}");
        assertEquals(200, paused.status(), paused.toString());
        assertEquals("paused", paused.json().path("state").asText(), paused.toString());
      }
      Admin.Reply resumed = admin.post("/admin/models/" + MODEL + "/rollout/resume", "{}");
      assertEquals(200, resumed.status(), resumed.toString());
      assertEquals("rolling", resumed.json().path("state").asText(), resumed.toString());
      commandBack = System.nanoTime();
      Await.sleep(Duration.ofSeconds(5));
    } finally {
      record = load.stop(Duration.ofSeconds(30));
    }
    long loadEnd = System.nanoTime();

    List<History.Entry> after = cluster.admin().history(MODEL);
    List<History.Entry> added = History.appended(before, after);
    LoadRecord outage = record.dueBetween(down, up);
    new Report("Cassandra stopped for " + OUTAGE_SECONDS + " s under " + RATE + " req/s through nginx, canary " + MODEL
        + " at 50 %")
        .row("requests sent", "%d over %.1f s", record.count(), Await.seconds(loadStart, loadEnd))
        .row("requests failed", "%d %s", record.failed(), record.statuses())
        .row("while it was down", Report.latency(outage))
        .row("before", Report.latency(record.dueBetween(loadStart, down)))
        .row("after", Report.latency(record.dueBetween(up, loadEnd)))
        .row("rollout command down", "POST pause -> %d %s", duringOutage.status(),
            duringOutage.json().path("type").asText(""))
        .row("rollout status down", "GET rollout -> %d", statusDuringOutage.status())
        .row("readiness down", "%d of %d nodes ready", readyDuringOutage, LocalCluster.NODES)
        .row("recovery", "status answers %.1f s and commands are accepted %.1f s after Cassandra answered again"
            + " (%.1f s after it stopped)", Await.seconds(up, statusBack), Await.seconds(up, commandBack),
            Await.seconds(down, commandBack))
        .row("the 503'd pause", pausedMeanwhile ? "was applied once Cassandra was back (a 503 may or may not apply)"
            : "was not applied")
        .row("history", "%d entries before, %d added: %s", before.size(), added.size(), added)
        .print();

    assertEquals(0, record.failed(), () -> "failed requests: " + record.failures().stream().limit(10).toList());
    assertTrue(outage.count() >= RATE * OUTAGE_SECONDS * 0.8, "predictions kept coming while Cassandra was down");
    assertEquals(503, duringOutage.status(), () -> "a rollout command while the journal is away: " + duringOutage);
    assertEquals("urn:turnout:problem:unavailable", duringOutage.json().path("type").asText(), duringOutage.toString());
    assertEquals(pidsBefore, cluster.nodes().stream().map(NodeProcess::pid).toList(), "no node was restarted");
    assertTrue(History.sequenceProblems(after).isEmpty(), () -> History.sequenceProblems(after).toString());
    assertEquals(List.of("Paused", "Resumed"), added.stream().filter(e -> !e.by().equals("gate")).map(History.Entry::event)
        .toList(), () -> "one pause (the 503'd one or the later one) and the resume, besides the gates: " + added);

    Admin.Reply aborted = cluster.admin().post("/admin/models/" + MODEL + "/rollout/abort", "{\"reason\": \"test done\"}");
    assertEquals(200, aborted.status(), aborted.toString());
  }
}
