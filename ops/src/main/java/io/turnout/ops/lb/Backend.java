package io.turnout.ops.lb;

import java.net.URI;

/** A node's prediction port, as the load balancer sees it. */
public record Backend(String host, int port) {

  public Backend {
    if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be blank");
    if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
  }

  /** {@code host:port}, e.g. {@code 127.0.0.1:8181}. */
  public static Backend parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || !text.substring(colon + 1).matches("\\d{1,5}")) {
      throw new IllegalArgumentException("expected host:port, got '" + text + "'");
    }
    return new Backend(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
  }

  public String address() {
    return host + ":" + port;
  }

  public URI readinessUri() {
    return URI.create("http://" + address() + "/health/ready");
  }

  @Override
  public String toString() {
    return address();
  }
}
