package io.turnout.ops.lb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.ops.load.FixedRateLoad;
import io.turnout.ops.load.LoadRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped nginx template run by a real nginx (CI installs it) in front of two stand-in nodes:
 * readiness decides who gets traffic, a refused connection is tried on the other node, and a POST
 * a node accepted is never sent to another.
 */
class LoadBalancerTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path dir;

  private FakeNode a;
  private FakeNode b;
  private LoadBalancer lb;
  private String front;
  private final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    Path nginx = Nginx.find().orElse(null);
    Assumptions.assumeTrue(nginx != null, "nginx is not installed (.ci/run installs it)");
    a = new FakeNode("a");
    b = new FakeNode("b");
    int port = freePort();
    front = "http://127.0.0.1:" + port;
    lb = LoadBalancer.start(nginx, NginxConfig.bundled(),
        new NginxConfig.Settings(dir.resolve("nginx"), "127.0.0.1:" + port, "1", 1, Duration.ofSeconds(5)),
        List.of(a.backend(), b.backend()), Duration.ofMillis(100), log::add);
  }

  @AfterEach
  void stop() {
    if (lb != null) lb.close();
    if (a != null) a.close();
    if (b != null) b.close();
  }

  @Test
  void sendsTrafficOnlyToReadyNodes() throws Exception {
    assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200, 200, 200), post(10));
    assertTrue(a.served.get() > 0 && b.served.get() > 0, "both ready nodes serve: " + a.served + " / " + b.served);

    b.ready(false);
    lb.sync().await(ready -> ready.equals(Set.of(a.backend())), Duration.ofSeconds(10));
    int before = b.served.get();
    assertEquals(20, post(20).stream().filter(s -> s == 200).count());
    assertEquals(before, b.served.get(), "a node that is not ready gets no request");

    b.ready(true);
    lb.sync().await(ready -> ready.size() == 2, Duration.ofSeconds(10));
    post(20);
    assertTrue(b.served.get() > before, "a node that is ready again gets traffic again");
    assertTrue(log.stream().anyMatch(line -> line.contains(b.backend() + " not ready")), log.toString());
  }

  @Test
  void readinessChangesUnderSteadyTrafficFailNoRequest() throws Exception {
    FixedRateLoad load = FixedRateLoad.start(HTTP, 300, i -> HttpRequest.newBuilder(URI.create(front + "/v1/models/iris:predict"))
        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[1, 2, 3, 4]]}"))
        .build(), 1000);
    long reloads = lb.sync().changes();
    for (int flip = 0; flip < 6; flip++) {
      boolean ready = flip % 2 == 1;
      b.ready(ready);
      lb.sync().await(set -> set.contains(b.backend()) == ready, Duration.ofSeconds(10));
      Thread.sleep(150);
    }
    LoadRecord record = load.stop(Duration.ofSeconds(10));
    assertEquals(6, lb.sync().changes() - reloads, "one reload per readiness change");
    assertEquals(0, record.failed(), () -> "every request answered 200 across six reloads: " + record.statuses() + " "
        + record.failures().stream().limit(5).toList());
    assertTrue(record.count() > 500, "steady traffic throughout: " + record.count());
  }

  @Test
  void aRefusedConnectionIsTriedOnTheOtherNode() throws Exception {
    // b is gone while still configured as up: the connection is refused before anything is sent.
    b.close();
    // The JDK server closes its listening socket a moment after stop(): until then a connection is
    // accepted and then dropped, which nginx rightly does not retry for a POST it has sent.
    awaitRefused(b.backend().port());
    assertEquals(List.of(200, 200, 200, 200, 200, 200, 200, 200, 200, 200), post(10));
    assertEquals(10, a.served.get());
  }

  @Test
  void aPostTheNodeAcceptedIsNeverSentToAnother() throws Exception {
    // b reads each request and drops the connection: nginx cannot know whether b acted on it.
    b.dropRequests(true);
    List<Integer> statuses = post(6);
    long failed = statuses.stream().filter(s -> s == 502).count();
    assertTrue(b.dropped.get() >= 1, "round robin sends b at least one of the first two");
    assertEquals(b.dropped.get(), failed, "every POST b accepted fails with 502: " + statuses);
    assertEquals(6 - failed, a.served.get(), "a got only the POSTs meant for it, none of b's: " + statuses);
    // The access log names the one node tried (it is flushed every second).
    String expected = "upstream=" + b.backend() + " upstream_status=502 ";
    Path access = dir.resolve("nginx/logs/access.log");
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!Files.readString(access, StandardCharsets.UTF_8).contains(expected) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(Files.readString(access, StandardCharsets.UTF_8).contains(expected), Files.readString(access));
  }

  @Test
  void withNoNodeReadyRequestsStillReachOneThatAnswers() throws Exception {
    a.ready(false);
    b.ready(false);
    lb.sync().await(Set::isEmpty, Duration.ofSeconds(10));
    assertEquals(List.of(200, 200, 200, 200), post(4));
  }

  private List<Integer> post(int count) throws Exception {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      HttpRequest request = HttpRequest.newBuilder(URI.create(front + "/v1/models/iris:predict"))
          .timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}")).build();
      statuses.add(HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
    }
    return statuses;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static void awaitRefused(int port) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      try (Socket probe = new Socket("127.0.0.1", port)) {
        if (!probe.isConnected()) return;
      } catch (IOException refused) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("port " + port + " still accepts connections after the node closed");
  }
}
