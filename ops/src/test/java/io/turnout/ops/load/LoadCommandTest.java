package io.turnout.ops.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class LoadCommandTest {
  private HttpServer server;
  private final AtomicInteger answered = new AtomicInteger();
  private volatile int failEvery;
  private volatile String lastBody = "";

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1/models/iris:predict", exchange -> {
      lastBody = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int n = answered.incrementAndGet();
      int status = failEvery > 0 && n % failEvery == 0 ? 503 : 200;
      byte[] reply = "{\"predictions\": [[1, 0, 0]]}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, reply.length);
      exchange.getResponseBody().write(reply);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  record Run(int code, String out, String err) {}

  private Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = new CommandLine(new LoadCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/models/iris:predict";
  }

  @Test
  void everyRequestAnsweredWithA2xxExitsZero() {
    Run run = run("--url", url(), "--rate", "100", "--duration", "2", "--every", "1");

    assertEquals(0, run.code(), run.out() + run.err());
    assertTrue(run.out().startsWith(answered.get() + " requests (100/s), 0 failed"), run.out());
    assertTrue(answered.get() >= 150, "about 200 requests in 2 s: " + answered.get());
    assertTrue(run.err().contains("[    1 s] "), run.err());
    assertEquals(LoadCommand.IRIS_ROW, lastBody);
  }

  @Test
  void failedRequestsAreCountedListedAndExitOne() {
    failEvery = 10;
    Run run = run("--url", url(), "--rate", "100", "--duration", "2", "--every", "0", "--body", "{\"instances\": [[1,2,3,4]]}");

    assertEquals(1, run.code(), run.out() + run.err());
    int failed = answered.get() / 10;
    assertTrue(run.out().contains(", " + failed + " failed,"), run.out());
    assertTrue(run.out().contains("statuses: {200=" + (answered.get() - failed) + ", 503=" + failed + "}"), run.out());
    assertTrue(run.out().contains(" after it was due, 503 {\"predictions\""), run.out());
    assertEquals("{\"instances\": [[1,2,3,4]]}", lastBody);
  }

  @Test
  void aRequestNobodyAcceptsFailsAsAConnectionError() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Run run = run("--url", "http://127.0.0.1:" + closed + "/v1/models/iris:predict", "--rate", "20", "--duration", "1");

    assertEquals(1, run.code(), run.out() + run.err());
    assertTrue(run.out().contains("ConnectException"), run.out());
  }

  /** As an operator stops it ({@code kill %1; wait %1}): the summary, and its verdict as the exit code. */
  @Test
  void sigtermPrintsTheSummaryAndExitsWithItsVerdict() throws Exception {
    for (int every : new int[] {0, 10}) {
      failEvery = every;
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process load = new ProcessBuilder(java.toString(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-cp", System.getProperty("java.class.path"), LoadCommand.class.getName(),
          "--url", url(), "--rate", "100", "--every", "1").start();
      String out;
      try (BufferedReader err = new BufferedReader(new InputStreamReader(load.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        do {
          line = err.readLine();
        } while (line != null && !line.startsWith("[    1 s] "));
        assertTrue(line != null && !line.contains(" 0 answered"), "a progress line after requests were answered: " + line);
        load.toHandle().destroy(); // SIGTERM (Process.destroy would also close the pipes)
        out = new String(load.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(load.waitFor(30, TimeUnit.SECONDS), "exits within 30 s of SIGTERM");
      } finally {
        load.destroyForcibly();
      }
      if (every == 0) {
        assertEquals(0, load.exitValue(), out);
        assertTrue(out.matches("(?s)\\d+ requests \\(100/s\\), 0 failed, .*statuses: \\{200=\\d+\\}.*"), out);
      } else {
        assertEquals(1, load.exitValue(), out);
        assertTrue(out.contains("503="), out);
      }
    }
  }

  @Test
  void badArgumentsChangeNothingAndExitTwo() {
    assertEquals(2, run("--url", url(), "--rate", "0", "--duration", "1").code());
    assertEquals(2, run("--url", url(), "--body", "{}", "--body-file", "/nonexistent", "--duration", "1").code());
    assertEquals(0, answered.get());
  }
}
