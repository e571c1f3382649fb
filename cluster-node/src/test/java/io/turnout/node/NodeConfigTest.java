package io.turnout.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeConfigTest {

  @Test
  void seedNodesAreRemotingAddressesOfTheTurnoutSystem() {
    assertEquals(List.of("pekko://turnout@127.0.0.1:25520", "pekko://turnout@10.0.0.2:25521"),
        NodeConfig.seedNodes(" 127.0.0.1:25520, 10.0.0.2:25521 ,", "turnout"));
    assertEquals(List.of("pekko://turnout@a:1"), NodeConfig.seedNodes("pekko://turnout@a:1", "turnout"));
    assertEquals(List.of(), NodeConfig.seedNodes("", "turnout"));
    assertThrows(IllegalArgumentException.class, () -> NodeConfig.seedNodes("127.0.0.1", "turnout"));
    assertThrows(IllegalArgumentException.class, () -> NodeConfig.seedNodes("127.0.0.1:x", "turnout"));
  }

  @Test
  void theSeedListFillsPekkosAndShutdownPhasesOutlastTheDrain() {
    Config config = NodeConfig.prepare(ConfigFactory.parseString("""
        turnout.cluster.seed-nodes = "127.0.0.1:25520,127.0.0.1:25521"
        turnout.shutdown { drain-period = 7s, replica-wait = 30s, requests-deadline = 4s }
        turnout.serving.replica-stop-grace = 3s
        """).withFallback(ConfigFactory.load()).resolve());
    assertEquals(List.of("pekko://turnout@127.0.0.1:25520", "pekko://turnout@127.0.0.1:25521"),
        config.getStringList("pekko.cluster.seed-nodes"));
    String phases = "pekko.coordinated-shutdown.phases.";
    assertEquals(Duration.ofSeconds(9), config.getDuration(phases + "before-service-unbind.timeout"));
    assertEquals(Duration.ofSeconds(6), config.getDuration(phases + "service-requests-done.timeout"));
    assertEquals(Duration.ofSeconds(32), config.getDuration(phases + "before-cluster-shutdown.timeout"));
    assertEquals(Duration.ofSeconds(13), config.getDuration(phases + "cluster-sharding-shutdown-region.timeout"));
  }

  @Test
  void explicitPekkoSeedNodesWin() {
    Config config = NodeConfig.prepare(ConfigFactory.parseString("""
        turnout.cluster.seed-nodes = "127.0.0.1:25520"
        pekko.cluster.seed-nodes = ["pekko://turnout@127.0.0.1:3000"]
        """).withFallback(ConfigFactory.load()).resolve());
    assertEquals(List.of("pekko://turnout@127.0.0.1:3000"), config.getStringList("pekko.cluster.seed-nodes"));
  }
}
