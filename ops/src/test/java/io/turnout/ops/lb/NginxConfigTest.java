package io.turnout.ops.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NginxConfigTest {
  private static final Backend A = new Backend("127.0.0.1", 8181);
  private static final Backend B = new Backend("127.0.0.1", 8182);
  private static final Backend C = new Backend("127.0.0.1", 8183);
  private static final NginxConfig.Settings SETTINGS = NginxConfig.Settings.of(Path.of("/tmp/lb"), "127.0.0.1:8080");

  @Test
  void everyPlaceholderIsFilledIn() {
    String config = directives(NginxConfig.bundled().render(SETTINGS, List.of(A, B), Set.of(A, B)));
    assertFalse(config.contains("@@"), config);
    assertTrue(config.contains("listen 127.0.0.1:8080 backlog=4096;"));
    assertTrue(config.contains("pid /tmp/lb/nginx.pid;"));
    assertTrue(config.contains("worker_processes auto;"));
  }

  @Test
  void readyBackendsAreUpAndTheOthersDown() {
    assertEquals(List.of(
            "    server 127.0.0.1:8181 max_fails=3 fail_timeout=5s;",
            "    server 127.0.0.1:8182 max_fails=3 fail_timeout=5s down;",
            "    server 127.0.0.1:8183 max_fails=3 fail_timeout=5s;"),
        NginxConfig.serverLines(SETTINGS, List.of(A, B, C), Set.of(A, C)));
  }

  @Test
  void withNoneReadyAllAreListedUpSoThatPassiveChecksFindOneThatAnswers() {
    assertEquals(List.of(
            "    server 127.0.0.1:8181 max_fails=3 fail_timeout=5s;",
            "    server 127.0.0.1:8182 max_fails=3 fail_timeout=5s;"),
        NginxConfig.serverLines(SETTINGS, List.of(A, B), Set.of()));
  }

  @Test
  void retriesOnlyConnectionFailuresAndNeverARequestAlreadySent() {
    String config = directives(NginxConfig.bundled().render(SETTINGS, List.of(A), Set.of(A)));
    assertTrue(config.contains("proxy_next_upstream error timeout;"));
    assertFalse(config.contains("non_idempotent"));
    // Idle upstream connections are closed by nginx, before the node's 120 s idle timeout would.
    assertTrue(config.contains("keepalive_timeout 30s;"));
    // ... and towards clients nothing is kept open that a reload could close under a request.
    assertTrue(config.contains("keepalive_timeout 0;"));
    assertTrue(config.contains("proxy_set_header Connection \"\";"));
  }

  /** The configuration without its comments. */
  private static String directives(String config) {
    return config.lines().map(line -> line.replaceFirst("#.*", "")).filter(line -> !line.isBlank())
        .reduce("", (a, b) -> a + b + "\n");
  }

  @Test
  void refusesNonsense() {
    assertThrows(IllegalArgumentException.class, () -> NginxConfig.bundled().render(SETTINGS, List.of(), Set.of()));
    assertThrows(IllegalArgumentException.class, () -> SETTINGS.withWorkers("many"));
    assertThrows(IllegalArgumentException.class, () -> Backend.parse("localhost"));
    assertEquals(new Backend("10.0.0.1", 80), Backend.parse("10.0.0.1:80"));
  }
}
