package io.turnout.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.multijvm.harness.Admin;
import io.turnout.multijvm.harness.Await;
import io.turnout.multijvm.harness.ClusterExtension;
import io.turnout.multijvm.harness.LocalCluster;
import io.turnout.multijvm.harness.NodeProcess;
import io.turnout.multijvm.harness.Report;
import io.turnout.ops.load.FixedRateLoad;
import io.turnout.ops.load.LoadRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nodes that must not join try to, one after the other, while the cluster serves {@value #RATE}
 * predictions a second through nginx: one with another cluster secret, one with an extra Kryo
 * registration and one with a Kryo id moved to another number. Each must be refused (it exits, or
 * runs on without ever becoming a member) and the cluster must keep serving, with its three members.
 * The report says which of the two happened to each.
 */
@Order(4)
@ExtendWith(ClusterExtension.class)
class JoinRefusalIT {
  /** Plain traffic: its rollout ended with the rolling restart scenario. */
  static final String MODEL = "iris-restart";
  static final int RATE = 100;
  /** How long a refused node that does not exit is watched. */
  static final Duration WATCH = Duration.ofSeconds(60);

  /** A node that must not join, and what it was seen doing. */
  static final class Intruder {
    private final String what;
    private final Supplier<NodeProcess> launch;
    private final Set<String> statusesSeen = new LinkedHashSet<>();
    private NodeProcess node;

    Intruder(String what, Callable<NodeProcess> launch) {
      this.what = what;
      this.launch = () -> {
        try {
          return launch.call();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      };
    }

    NodeProcess start() {
      node = launch.get();
      return node;
    }

    String what() {
      return what;
    }

    NodeProcess node() {
      return node;
    }

    Set<String> statusesSeen() {
      return statusesSeen;
    }
  }

  @Test
  void nodesWithAnotherSecretOrKryoTableAreRefused(LocalCluster cluster) throws Exception {
    cluster.restore();
    Path confs = cluster.runDir().resolve("intruders");
    Files.createDirectories(confs);
    List<Intruder> intruders = new ArrayList<>();
    FixedRateLoad load = cluster.load(MODEL, RATE);
    long loadStart = System.nanoTime();
    LoadRecord record;
    Map<Intruder, OptionalInt> exits = new LinkedHashMap<>();
    Map<Intruder, Double> exitedAfter = new LinkedHashMap<>();
    try {
      Await.sleep(Duration.ofSeconds(3));
      // One at a time: three JVMs starting at once on two cores would measure the machine, not the cluster.
      List<Intruder> planned = List.of(
          new Intruder("another cluster secret", () -> cluster.startExtraNode("wrong-secret",
              Map.of("TURNOUT_CLUSTER_SECRET", "not-" + cluster.clusterSecret()), List.of())),
          new Intruder("an extra Kryo registration (java.util.BitSet = 998)", () -> cluster.startExtraNode("extra-kryo",
              Map.of(), List.of("-Dconfig.file=" + write(confs, "extra-kryo.conf", """
                  include classpath("application")
                  turnout.serialization.kryo.registrations { "java.util.BitSet" = 998 }
                  """)))),
          new Intruder("a Kryo id moved (RoutingTable 42 -> 98)", () -> cluster.startExtraNode("moved-kryo-id",
              Map.of(), List.of("-Dconfig.file=" + write(confs, "moved-kryo-id.conf", """
                  include classpath("application")
                  turnout.serialization.kryo.registrations { "io.turnout.protocol.rollout.RoutingTable" = 98 }
                  """)))));
      for (Intruder intruder : planned) {
        intruders.add(intruder);
        long started = System.nanoTime();
        NodeProcess node = intruder.start();
        // Watch membership as the good nodes see it until it exits or the watch ends.
        long deadline = started + WATCH.toNanos();
        while (System.nanoTime() < deadline && node.isAlive()) {
          for (NodeProcess good : cluster.nodes()) {
            for (Admin.Member member : cluster.admin(good).members()) {
              if (member.address().equals(node.clusterAddress())) intruder.statusesSeen().add(member.status());
            }
          }
          Await.sleep(Duration.ofMillis(250));
        }
        exits.put(intruder, node.isAlive() ? OptionalInt.empty() : node.awaitExit(Duration.ZERO));
        if (!node.isAlive()) exitedAfter.put(intruder, Await.seconds(started, System.nanoTime()));
        node.stop(Duration.ofSeconds(20));
      }
      Await.sleep(Duration.ofSeconds(3));
    } finally {
      record = load.stop(Duration.ofSeconds(30));
      for (Intruder intruder : intruders) if (intruder.node() != null) intruder.node().stop(Duration.ofSeconds(20));
    }
    long loadEnd = System.nanoTime();

    Report report = new Report("Nodes that must not join, started while the cluster serves " + RATE
        + " req/s through nginx")
        .row("requests sent", "%d over %.1f s", record.count(), Await.seconds(loadStart, loadEnd))
        .row("requests failed", "%d %s", record.failed(), record.statuses())
        .row("latency meanwhile", Report.latency(record));
    for (Intruder intruder : intruders) {
      OptionalInt exit = exits.get(intruder);
      String membership = intruder.statusesSeen().contains("Up") ? "became a member"
          : intruder.statusesSeen().isEmpty() ? "never a member" : "never Up";
      String outcome = exit.isPresent()
          ? String.format(Locale.ROOT, "exited with code %d %.1f s after its start, %s", exit.getAsInt(),
              exitedAfter.get(intruder), membership)
          : "still running after " + WATCH.toSeconds() + " s, " + membership;
      report.row(intruder.node().name(), "%s: %s; member statuses seen: %s; its log says: %s", intruder.what(), outcome,
          intruder.statusesSeen().isEmpty() ? "none" : intruder.statusesSeen(), refusalLine(intruder.node()));
    }
    report.row("members after", cluster.nodes().stream().map(n -> n.name() + " sees " + cluster.admin(n).members().stream()
        .filter(m -> m.status().equals("Up")).count() + " Up").collect(Collectors.joining(", ")));
    report.print();

    assertEquals(0, record.failed(), () -> "failed requests: " + record.failures().stream().limit(10).toList());
    for (Intruder intruder : intruders) {
      assertTrue(intruder.statusesSeen().isEmpty() || !intruder.statusesSeen().contains("Up"),
          () -> intruder.node().name() + " (" + intruder.what() + ") became a member: " + intruder.statusesSeen());
    }
    cluster.awaitHealthy(Duration.ofSeconds(60));
    for (NodeProcess good : cluster.nodes()) {
      assertEquals(Set.copyOf(cluster.nodes().stream().map(NodeProcess::clusterAddress).toList()),
          cluster.admin(good).members().stream().map(Admin.Member::address).collect(Collectors.toSet()),
          good.name() + " sees exactly the three good nodes");
    }
  }

  private static String write(Path dir, String name, String text) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file.toString();
  }

  /** The intruder's first log line that says why it was turned away, if any. */
  private static String refusalLine(NodeProcess node) {
    return node.logSinceStart().lines()
        .filter(line -> line.matches("(?i).*(refus|incompatib|reject|secret|kryo|registration|shutting down|join).*"))
        .filter(line -> !line.contains("harness:"))
        .findFirst().map(line -> line.length() > 240 ? line.substring(0, 240) + "…" : line).orElse("(nothing about it)");
  }
}
