package io.turnout.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.typesafe.config.ConfigFactory;
import io.turnout.node.NodeConfig;
import io.turnout.node.testkit.TestNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with another cluster secret, or another Kryo table, asks to join a running node: it is
 * refused and shuts itself down; the running node stays alone. A node that agrees joins.
 */
class JoinRefusalTest {
  /** A message only the misconfigured node registers. */
  record OnlyOnOneNode(String text) {}

  private static Path models;
  private static TestNode first;

  @BeforeAll
  static void startFirst(@TempDir Path dir) throws Exception {
    models = Files.createDirectories(dir.resolve("no-models"));
    first = TestNode.start(models, "");
  }

  @AfterAll
  static void stopFirst() {
    first.close();
  }

  private static TestNode joining(String overrides) {
    return TestNode.start(models, overrides + "\nturnout.cluster.seed-nodes = \"" + first.seedAddress() + "\"\n");
  }

  @Test
  void aNodeWithAnotherSecretIsRefusedAndShutsDown() throws Exception {
    assertRefused(joining("turnout.cluster.secret = \"not-the-cluster-secret-0123456789\""));
  }

  @Test
  void aNodeWithAnotherKryoTableIsRefusedAndShutsDown() throws Exception {
    assertRefused(joining("turnout.serialization.kryo.registrations {\n"
        + "  \"io.turnout.node.cluster.JoinRefusalTest$OnlyOnOneNode\" = 990\n}"));
  }

  @Test
  void aNodeThatAgreesJoins() {
    try (TestNode second = joining("")) {
      awaitUp(first, 2);
      awaitUp(second, 2);
    }
  }

  @Test
  void theDigestChangesWithTheSecretAndTheTableAndNeverShowsTheSecret() {
    var base = ConfigFactory.load();
    String digest = NodeConfig.prepare(base).getString(ClusterCompatibility.DIGEST_PATH);
    String otherSecret = NodeConfig.prepare(ConfigFactory.parseString("turnout.cluster.secret = x").withFallback(base))
        .getString(ClusterCompatibility.DIGEST_PATH);
    String otherTable = NodeConfig.prepare(ConfigFactory.parseString(
        "turnout.serialization.kryo.registrations { \"io.turnout.node.cluster.JoinRefusalTest$OnlyOnOneNode\" = 990 }")
        .withFallback(base)).getString(ClusterCompatibility.DIGEST_PATH);
    assertEquals(64, digest.length());
    assertNotEquals(digest, otherSecret);
    assertNotEquals(digest, otherTable);
    assertEquals(-1, digest.indexOf(base.getString("turnout.cluster.secret")));
  }

  private static void assertRefused(TestNode refused) throws Exception {
    try {
      org.apache.pekko.actor.Address address = Cluster.get(refused.system()).selfMember().address();
      refused.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertEquals(CoordinatedShutdown.incompatibleConfigurationDetectedReason(),
          CoordinatedShutdown.get(refused.system()).getShutdownReason().orElse(null));
      for (Member member : Cluster.get(first.system()).state().getMembers()) {
        assertNotEquals(address, member.address(), "the refused node must not be a member: "
            + Cluster.get(first.system()).state());
      }
    } finally {
      if (!refused.system().whenTerminated().isCompleted()) refused.close();
    }
  }

  private static void awaitUp(TestNode node, int count) {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (Instant.now().isBefore(deadline)) {
      int up = 0;
      for (Member member : Cluster.get(node.system()).state().getMembers()) if (member.status() == MemberStatus.up()) up++;
      if (up == count) return;
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new AssertionError(count + " members not up: " + Cluster.get(node.system()).state());
  }
}
