package io.turnout.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** Starts one Turnout node process. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // Only a real node process exits with its actor system; tests run many systems in one JVM.
    Config config = ConfigFactory.parseString("pekko.coordinated-shutdown.exit-jvm = on")
        .withFallback(ConfigFactory.load());
    TurnoutNode.start(config);
  }
}
