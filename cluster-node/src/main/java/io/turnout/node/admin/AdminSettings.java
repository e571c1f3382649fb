package io.turnout.node.admin;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;

/**
 * The admin port's settings, from {@code turnout.admin}.
 *
 * @param token the bearer token every request must carry; empty when none is configured, in which
 *     case every request is refused
 */
public record AdminSettings(
    String interfaceName,
    int port,
    Optional<String> token,
    Duration askTimeout,
    long maxBodyBytes,
    Duration bodyTimeout,
    int defaultReplicas,
    int maxReplicas,
    Duration eventsPollInterval,
    Duration eventsKeepAlive,
    int eventsPageSize) {

  public static AdminSettings fromConfig(Config admin, int defaultReplicas) {
    String token = admin.getString("token").trim();
    return new AdminSettings(
        admin.getString("http.interface"),
        admin.getInt("http.port"),
        token.isEmpty() ? Optional.empty() : Optional.of(token),
        admin.getDuration("ask-timeout"),
        admin.getBytes("max-body"),
        admin.getDuration("body-timeout"),
        defaultReplicas,
        admin.getInt("max-replicas"),
        admin.getDuration("events.poll-interval"),
        admin.getDuration("events.keep-alive"),
        admin.getInt("events.page-size"));
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "AdminSettings[" + interfaceName + ":" + port + ", token " + (token.isPresent() ? "set" : "not set")
        + ", askTimeout " + askTimeout + "]";
  }
}
