package io.turnout.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.node.lifecycle.DrainReason;
import io.turnout.node.lifecycle.TermSignal;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts one Turnout node process. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Logging starts here, on one thread, before the actor system's threads log concurrently.
    Logger log = LoggerFactory.getLogger(Main.class);
    // Only a real node process exits with its actor system; tests run many systems in one JVM.
    Config config = ConfigFactory.parseString("pekko.coordinated-shutdown.exit-jvm = on")
        .withFallback(ConfigFactory.load());
    log.info("Starting Turnout node: models from {}, prediction port {}, admin port {}, management port {}, remoting {}:{}",
        config.getString("turnout.registry.model-root"), config.getInt("turnout.serving.http.port"),
        config.getInt("turnout.admin.http.port"), config.getInt("turnout.management.http.port"),
        config.getString("pekko.remote.artery.canonical.hostname"), config.getInt("pekko.remote.artery.canonical.port"));
    ActorSystem<Void> system = TurnoutNode.start(config);
    // SIGTERM drains the node and exits 0 (see NodeDrain); without this the JVM would exit 143.
    TermSignal.handle(() -> {
      log.info("SIGTERM: draining this node");
      CoordinatedShutdown.get(system).runAll(DrainReason.TERM_SIGNAL);
    });
  }
}
