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
import io.turnout.ops.load.FixedRateLoad.Outcome;
import io.turnout.ops.load.LoadRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code kill -9} of the node that hosts a model's rollout coordinator in the middle of a canary,
 * under {@value #RATE} predictions a second through nginx: the split brain resolver downs the dead
 * node, the coordinator recovers on another node from Cassandra, the canary goes on to promotion,
 * and no persisted event is lost or written twice. Only requests in flight on the killed node at
 * the moment it died may fail.
 */
@Order(3)
@ExtendWith(ClusterExtension.class)
class CoordinatorCrashIT {
  static final String MODEL = "iris-crash";
  static final int RATE = 200;
  /** A request sent this soon after the kill may still have been on its way to the killed node. */
  static final Duration IN_FLIGHT_SLACK = Duration.ofMillis(100);

  @Test
  void theCoordinatorRecoversElsewhereAndTheRolloutCompletes(LocalCluster cluster) throws Exception {
    cluster.restore();
    Admin.Reply started = cluster.admin().post("/admin/models/" + MODEL + "/rollouts", """
        {"targetVersion": 2, "stickyHeader": "X-User-Id",
         "phases": [{"kind": "canary", "steps": [20, 60, 100], "bakeTime": "15s",
           "gate": {"minSamples": 50, "maxErrorRateIncrease": 0.05, "maxP99Ratio": 20}}]}""");
    assertEquals(201, started.status(), started.toString());

    FixedRateLoad load = cluster.load(MODEL, RATE);
    long loadStart = System.nanoTime();
    HistoryWatch watch = null;
    NodeProcess host;
    Admin survivor;
    long killed;
    long dead;
    long downed;
    long answering;
    String newHost;
    long nextGateEvent;
    long promoted;
    List<History.Entry> before;
    LoadRecord record;
    try {
      Await.until("canary at its first step with its replicas ready", Duration.ofSeconds(90),
          () -> RollingRestartIT.canaryServing(cluster.admin(), MODEL),
          () -> cluster.admin().get("/admin/models/" + MODEL + "/rollout").body());
      host = Await.until("the node hosting the coordinator of " + MODEL, Duration.ofSeconds(30),
          () -> cluster.coordinatorHost(MODEL), () -> "no node's RolloutCoordinator region lists it");
      List<NodeProcess> survivors = cluster.nodes().stream().filter(n -> n != host).toList();
      watch = new HistoryWatch(cluster.admin(survivors.get(0)), MODEL);
      Await.sleep(Duration.ofSeconds(3));
      before = cluster.admin(survivors.get(0)).history(MODEL);

      LocalCluster.say("kill -9 " + host.name() + ", which hosts the coordinator of " + MODEL);
      killed = System.nanoTime();
      host.kill();
      host.awaitExit(Duration.ofSeconds(10));
      dead = System.nanoTime();

      survivor = cluster.admin(survivors.get(0));
      Admin asked = survivor;
      downed = Await.until("the dead node removed from the cluster", Duration.ofSeconds(90), () ->
          survivors.stream().allMatch(n -> cluster.admin(n).members().stream()
              .noneMatch(m -> m.address().equals(host.clusterAddress()))) ? Optional.of(System.nanoTime()) : Optional.empty(),
          () -> "members: " + asked.members());
      answering = Await.until("the coordinator answering again", Duration.ofSeconds(120), () ->
          asked.get("/admin/models/" + MODEL + "/rollout").ok() ? Optional.of(System.nanoTime()) : Optional.empty(),
          () -> "last: " + asked.get("/admin/models/" + MODEL + "/rollout"));
      newHost = cluster.coordinatorHost(MODEL).map(NodeProcess::name).orElse("not found");
      long lastBefore = before.get(before.size() - 1).sequence();
      HistoryWatch w = watch;
      nextGateEvent = Await.until("a gate decision after the crash", Duration.ofSeconds(120), () ->
          w.firstSeenAfter(lastBefore, "gate"), () -> "history: " + w.seen());
      // The operator brings the node back while the rollout goes on.
      host.start(Map.of("TURNOUT_SEED_NODES", String.join(",", survivors.stream()
          .map(n -> n.ports().remotingAddress()).toList())));
      promoted = Await.until("the canary promoted", Duration.ofMinutes(4), () -> {
        JsonNode status = asked.get("/admin/models/" + MODEL + "/rollout").json();
        return status.path("state").asText().equals("idle") && status.path("stableVersion").asLong() == 2
            ? Optional.of(System.nanoTime()) : Optional.empty();
      }, () -> "status: " + asked.get("/admin/models/" + MODEL + "/rollout").body());
    } finally {
      record = load.stop(Duration.ofSeconds(30));
      if (watch != null) watch.close();
    }
    long loadEnd = System.nanoTime();
    Await.sleep(Duration.ofMillis(1500)); // nginx flushes its access log every second
    Map<String, String> upstreams = cluster.upstreamsByRequestId();
    String killedBackend = "127.0.0.1:" + host.ports().http();
    // A failure counts as in flight on the killed node when the last node nginx passed it to was that one.
    List<String> failedElsewhere = record.failures().stream()
        .filter(o -> !upstreams.getOrDefault(LocalCluster.requestId(MODEL, o.index()), "").endsWith(killedBackend))
        .map(o -> LocalCluster.requestId(MODEL, o.index()) + " -> " + upstreams.getOrDefault(
            LocalCluster.requestId(MODEL, o.index()), "not in nginx's log") + " (" + o.status() + " " + o.error() + ")")
        .toList();

    List<History.Entry> after = survivor.history(MODEL);
    List<History.Entry> added = History.appended(before, after);
    List<String> lost = watch.seen().values().stream().filter(e -> !after.contains(e)).map(Object::toString).toList();
    int inFlight = record.inFlightAt(killed);
    List<Outcome> lateFailures = record.failures().stream()
        .filter(o -> o.dueNanos() > dead + IN_FLIGHT_SLACK.toNanos()).toList();

    new Report("kill -9 of " + host.name() + " (coordinator of " + MODEL + ") during a canary, " + RATE
        + " req/s through nginx")
        .row("requests sent", "%d over %.1f s", record.count(), Await.seconds(loadStart, loadEnd))
        .row("requests failed", "%d %s, all sent to %s by nginx: %s", record.failed(), record.statuses(), host.name(),
            failedElsewhere.isEmpty() ? "yes" : "no, " + failedElsewhere)
        .row("in flight at the kill", "%d (all nodes); failures due after it died: %d", inFlight, lateFailures.size())
        .row("kill to recovered", Report.latency(record.dueBetween(killed, answering)))
        .row("before the kill", Report.latency(record.dueBetween(loadStart, killed)))
        .row("recovery", "node down and removed %.1f s, coordinator answering %.1f s (now on %s), next gate decision %.1f s",
            Await.seconds(killed, downed), Await.seconds(killed, answering), newHost, Await.seconds(killed, nextGateEvent))
        .row("promoted", "%.1f s after the kill", Await.seconds(killed, promoted))
        .row("history", "%d entries before the kill, %d after; %d seen during the run and missing at the end",
            before.size(), after.size(), lost.size())
        .print();

    assertTrue(lateFailures.isEmpty(), () -> "requests sent after the node died failed: " + lateFailures.stream()
        .limit(10).toList());
    assertTrue(failedElsewhere.isEmpty(), () -> "failed requests that nginx had not sent to the killed node: "
        + failedElsewhere);
    assertTrue(History.sequenceProblems(after).isEmpty(), () -> "lost or repeated events: "
        + History.sequenceProblems(after) + "\n" + after);
    assertTrue(lost.isEmpty(), () -> "events seen during the run and gone afterwards: " + lost);
    assertEquals(1, History.count(after, "RolloutStarted"));
    assertEquals(1, History.count(after, "Promoted"), () -> "promoted once: " + after);
    assertEquals(0, History.count(after, "RolledBack"), () -> "no rollback: " + after);
    assertTrue(added.stream().allMatch(e -> e.by().equals("gate")), () -> "only the gates acted after the kill: " + added);
  }

  /** Polls a model's history every 200 ms and keeps every entry it ever saw, by sequence. */
  static final class HistoryWatch implements AutoCloseable {
    private final Map<Long, History.Entry> seen = new ConcurrentHashMap<>();
    private final Map<Long, Long> firstSeenAt = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    HistoryWatch(Admin admin, String model) {
      timer.scheduleWithFixedDelay(() -> {
        try {
          long now = System.nanoTime();
          for (History.Entry entry : admin.history(model)) {
            History.Entry earlier = seen.putIfAbsent(entry.sequence(), entry);
            if (earlier == null) firstSeenAt.put(entry.sequence(), now);
            // An entry that changed under the same sequence is kept too (negative key): it counts as lost.
            else if (!earlier.equals(entry)) seen.put(-entry.sequence(), entry);
          }
        } catch (RuntimeException e) {
          // the coordinator is away while it moves; the next poll tries again
        }
      }, 0, 200, TimeUnit.MILLISECONDS);
    }

    Map<Long, History.Entry> seen() {
      return new TreeMap<>(seen);
    }

    /** When the first entry after {@code sequence} by {@code by} was first seen. */
    Optional<Long> firstSeenAfter(long sequence, String by) {
      List<Long> times = new ArrayList<>();
      seen.forEach((seq, entry) -> {
        if (seq > sequence && entry.by().equals(by)) times.add(firstSeenAt.get(seq));
      });
      return times.stream().min(Long::compare);
    }

    @Override
    public void close() {
      timer.shutdownNow();
    }
  }
}
