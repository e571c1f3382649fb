package io.turnout.node.http;

import com.typesafe.config.Config;
import java.time.Duration;

/** The prediction port's settings, from {@code turnout.serving.http}. */
public record EdgeSettings(String interfaceName, int port, long maxPayloadBytes, Duration askTimeout,
    Duration bodyTimeout, Duration waitForReplica) {

  public static EdgeSettings fromConfig(Config http) {
    return new EdgeSettings(
        http.getString("interface"),
        http.getInt("port"),
        http.getBytes("max-payload"),
        http.getDuration("ask-timeout"),
        http.getDuration("body-timeout"),
        http.getDuration("wait-for-replica"));
  }
}
