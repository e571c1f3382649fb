package io.turnout.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.lifecycle.DrainReason;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.protocol.ModelVersionId;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in this JVM, each a real actor system with its own ports, serving iris with two
 * replicas per version. Nodes B and C start first and take every replica; A joins last and holds
 * none, so A's edge reaches replicas over remoting only. Then B (the oldest node: it hosts the
 * shard coordinator) drains through the admin API while A serves steady traffic.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ThreeNodeClusterTest {
  private static final String TOKEN = "cluster-test-token-0123456789";
  private static final List<ModelVersionId> VERSIONS = List.of(new ModelVersionId("iris", 1), new ModelVersionId("iris", 2));
  private static final String ROW = "{\"instances\": [[5.1,3.5,1.4,0.2]]}";
  private static final String COMMON = """
      turnout.registry.replicas-per-model.iris = 2
      turnout.serving.keep-alive-interval = 1s
      turnout.admin.token = "%s"
      pekko.cluster.sharding.rebalance-interval = 1s
      pekko.cluster.split-brain-resolver.stable-after = 5s
      """.formatted(TOKEN);

  private static TestNode a;
  private static TestNode b;
  private static TestNode c;

  @BeforeAll
  static void startCluster(@TempDir Path dir) {
    Path root = TestModels.rootWith(dir.resolve("models"), "iris");
    b = TestNode.start(root, COMMON + "turnout.shutdown.drain-period = 2s\n");
    c = TestNode.start(root, COMMON + "turnout.cluster.seed-nodes = \"" + b.seedAddress() + "\"\n");
    awaitMembers(b, 2);
    awaitSpread(b, Set.of(address(b), address(c)));
    a = TestNode.start(root, COMMON + "turnout.cluster.seed-nodes = \"" + b.seedAddress() + "\"\n");
    awaitMembers(a, 3);
    a.awaitGet("/health/ready", r -> r.statusCode() == 200, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopCluster() {
    for (TestNode node : new TestNode[] {a, c, b}) {
      if (node != null && !node.system().whenTerminated().isCompleted()) node.close();
    }
  }

  @Test
  @Order(1)
  void replicasOfOneVersionLiveOnDifferentNodes() {
    Map<ModelVersionId, List<Address>> placed = awaitSpread(a, Set.of(address(b), address(c)));
    for (ModelVersionId version : VERSIONS) {
      assertEquals(2, placed.get(version).size(), placed.toString());
      assertEquals(2, Set.copyOf(placed.get(version)).size(), "co-located: " + placed);
    }
    // A joined after the replicas were spread: nothing had to move onto it.
    assertTrue(placed.values().stream().flatMap(List::stream).noneMatch(address(a)::equals), placed.toString());
  }

  @Test
  @Order(1)
  void theManagementPortListsTheMembers() {
    HttpResponse<String> members = a.send(HttpRequest.newBuilder(a.managementUri("/cluster/members")).build());
    assertEquals(200, members.statusCode());
    for (TestNode node : List.of(a, b, c)) assertTrue(members.body().contains(address(node).toString()), members.body());
    assertTrue(members.body().contains("\"status\":\"Up\""), members.body());
  }

  @Test
  @Order(2)
  void aDrainedNodeHandsOffItsReplicasWithoutFailingARequest() throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong sent = new AtomicLong();
    Map<String, Long> failures = new ConcurrentHashMap<>();
    ExecutorService load = Executors.newFixedThreadPool(2);
    for (int thread = 0; thread < 2; thread++) {
      String path = "/v1/models/iris/versions/" + (thread + 1) + ":predict";
      load.submit(() -> {
        while (running.get()) {
          HttpResponse<String> response = a.post(path, ROW);
          sent.incrementAndGet();
          if (response.statusCode() != 200) failures.merge(response.statusCode() + " " + response.body(), 1L, Long::sum);
        }
        return null;
      });
    }
    try {
      TestNode.await("load on A", () -> a.get("/health/ready"), r -> sent.get() >= 50, Duration.ofSeconds(30));

      HttpResponse<String> accepted = b.send(HttpRequest.newBuilder(b.adminUri("/admin/cluster/drain"))
          .header("Authorization", "Bearer " + TOKEN).header("X-Turnout-User", "test")
          .POST(HttpRequest.BodyPublishers.noBody()).build());
      assertEquals(202, accepted.statusCode(), accepted.body());
      assertTrue(accepted.body().contains("\"status\":\"draining\""), accepted.body());
      // Readiness turns false at once; the node is alive and serves through the drain period.
      assertEquals(503, b.get("/health/ready").statusCode());
      assertEquals(200, b.get("/health/alive").statusCode());
      assertEquals(200, b.post("/v1/models/iris:predict", ROW).statusCode());
      assertEquals(503, b.send(HttpRequest.newBuilder(b.managementUri("/health/ready")).build()).statusCode());
      assertEquals(503, b.send(HttpRequest.newBuilder(b.managementUri("/ready")).build()).statusCode());
      assertEquals(200, b.send(HttpRequest.newBuilder(b.managementUri("/alive")).build()).statusCode());
      assertEquals(200, a.send(HttpRequest.newBuilder(a.managementUri("/ready")).build()).statusCode());

      b.system().getWhenTerminated().toCompletableFuture().get(90, TimeUnit.SECONDS);
      assertEquals(DrainReason.ADMIN_REQUEST, CoordinatedShutdown.get(b.system()).getShutdownReason().orElse(null));

      // B's replicas start again on A (the node without a replica of their version).
      Map<ModelVersionId, List<Address>> placed = awaitSpread(a, Set.of(address(a), address(c)));
      long afterHandOff = sent.get();
      TestNode.await("load after the hand-off", () -> a.get("/health/ready"), r -> sent.get() >= afterHandOff + 50,
          Duration.ofSeconds(30));
      running.set(false);
      load.shutdown();
      assertTrue(load.awaitTermination(30, TimeUnit.SECONDS));
      System.out.printf("Drain of the oldest node under load: %d requests through node A, %d failed; replicas now %s%n",
          sent.get(), failures.values().stream().mapToLong(Long::longValue).sum(), placed);
      assertEquals(Map.of(), failures, "requests failed while B drained");
      awaitMembers(a, 2);
    } finally {
      running.set(false);
      load.shutdownNow();
    }
  }

  // ---- helpers ----

  private static Address address(TestNode node) {
    return Cluster.get(node.system()).selfMember().address();
  }

  private static void awaitMembers(TestNode node, int up) {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      long count = 0;
      for (var member : Cluster.get(node.system()).state().getMembers()) {
        if (member.status() == MemberStatus.up()) count++;
      }
      if (count == up) return;
      pause();
    }
    throw new AssertionError(up + " members did not come up: " + Cluster.get(node.system()).state());
  }

  /** Waits until each version has two ready replicas on two different nodes, all among {@code on}. */
  private static Map<ModelVersionId, List<Address>> awaitSpread(TestNode viewer, Set<Address> on) {
    Instant deadline = Instant.now().plusSeconds(90);
    Map<ModelVersionId, List<Address>> placed = Map.of();
    while (Instant.now().isBefore(deadline)) {
      placed = readyReplicas(viewer);
      boolean spread = placed.size() == VERSIONS.size() && placed.values().stream().allMatch(nodes ->
          nodes.size() == 2 && Set.copyOf(nodes).size() == 2 && on.containsAll(nodes));
      if (spread) return placed;
      pause();
    }
    throw new AssertionError("replicas did not spread over " + on + ": " + placed);
  }

  private static Map<ModelVersionId, List<Address>> readyReplicas(TestNode viewer) {
    Map<ModelVersionId, List<Address>> placed = new HashMap<>();
    Address self = address(viewer);
    for (ModelVersionId version : VERSIONS) {
      Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
          viewer.system().receptionist(), replyTo -> Receptionist.find(ModelVersionReplica.readyKey(version), replyTo),
          Duration.ofSeconds(5), viewer.system().scheduler()).toCompletableFuture().join();
      List<Address> nodes = new ArrayList<>();
      for (ActorRef<ModelVersionReplica.Command> replica : listing.getServiceInstances(ModelVersionReplica.readyKey(version))) {
        Address address = replica.path().address();
        nodes.add(address.hasGlobalScope() ? address : self);
      }
      placed.put(version, nodes.stream().sorted(java.util.Comparator.comparing(Address::toString)).toList());
    }
    return placed;
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
