package io.turnout.ops.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FixedRateLoadTest {
  private HttpServer server;
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
    server.setExecutor(Executors.newFixedThreadPool(16));
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      String path = exchange.getRequestURI().getPath();
      if (path.startsWith("/hang")) {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      long index = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
      int status = index % 10 == 9 ? 503 : 200;
      byte[] body = (status == 200 ? "{}" : "{\"error\": \"busy\"}").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  private HttpRequest request(String prefix, long index) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getAddress().getPort() + prefix + index))
        .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("{}")).build();
  }

  @Test
  void sendsAtTheRateAndKeepsEveryAnswer() throws Exception {
    long started = System.nanoTime();
    FixedRateLoad load = FixedRateLoad.start(client, 200, i -> request("/ok/", i), 1000);
    // Awaited, not slept: a busy machine may fall behind the schedule, never ahead of it.
    long deadline = started + Duration.ofSeconds(30).toNanos();
    while (load.sent() < 200 && System.nanoTime() < deadline) Thread.sleep(10);
    LoadRecord record = load.stop(Duration.ofSeconds(5));
    double seconds = (System.nanoTime() - started) / 1e9;

    assertTrue(record.count() >= 200 && record.count() <= 200 * seconds + 1,
        "200 requests a second at most, and all of them sent: " + record.count() + " in " + seconds + " s");
    assertEquals(record.count(), load.sent());
    Map<Integer, Long> statuses = record.statuses();
    assertEquals(record.count(), statuses.getOrDefault(200, 0L) + statuses.getOrDefault(503, 0L), statuses.toString());
    assertEquals(record.count() / 10, statuses.get(503).intValue(), "every tenth request is refused by the server");
    assertEquals(statuses.get(503).intValue(), record.failed());
    assertTrue(record.failures().get(0).error().contains("busy"), "a failure keeps the body: " + record.failures().get(0));
    for (int i = 0; i < record.count(); i++) assertEquals(i, record.outcomes().get(i).index(), "in due order, none missing");
    assertTrue(record.percentileMillis(50) > 0);
    assertTrue(record.summary().contains(record.count() + " requests (200/s), " + record.failed() + " failed"),
        record.summary());
  }

  @Test
  void unansweredRequestsAreBoundedAndCountAsFailed() throws Exception {
    FixedRateLoad load = FixedRateLoad.start(client, 200, i -> request("/hang/", i), 20);
    // Awaited, not slept: on a busy machine the load starts late, but it must reach the limit and
    // then fail what is over it at once.
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (load.snapshot().count() <= 50 && System.nanoTime() < deadline) Thread.sleep(20);
    assertEquals(20, load.inFlight());
    LoadRecord during = load.snapshot();
    assertTrue(during.count() > 50, "requests over the limit are failed at once: " + during.count());
    assertTrue(during.outcomes().stream().allMatch(o -> o.error().startsWith("not sent")));
    release.countDown();
    LoadRecord record = load.stop(Duration.ofSeconds(5));
    assertEquals(load.sent(), record.count());
    assertEquals(20, record.outcomes().stream().filter(o -> !String.valueOf(o.error()).startsWith("not sent")).count(),
        "only the 20 within the limit were sent");
  }
}
