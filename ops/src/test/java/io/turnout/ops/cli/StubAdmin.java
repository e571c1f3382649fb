package io.turnout.ops.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A stand-in admin API on a free loopback port: canned answers per "METHOD /path?query", requests recorded. */
final class StubAdmin implements AutoCloseable {
  record Request(String method, String target, Map<String, List<String>> headers, String body) {
    String header(String name) {
      return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
          .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
  }

  record Answer(int status, String contentType, String body) {}

  private final HttpServer server;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();

  StubAdmin() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  StubAdmin json(String methodAndTarget, int status, String body) {
    answers.put(methodAndTarget, new Answer(status, status >= 400 ? "application/problem+json" : "application/json", body));
    return this;
  }

  StubAdmin events(String methodAndTarget, String stream) {
    answers.put(methodAndTarget, new Answer(200, "text/event-stream", stream));
    return this;
  }

  static String problem(int status, String detail, String pointer) {
    return "{\"type\":\"urn:turnout:problem:x\",\"title\":\"Title\",\"status\":" + status + ",\"detail\":\"" + detail
        + "\",\"instance\":\"/x\"" + (pointer == null ? "" : ",\"pointer\":\"" + pointer + "\"") + "}";
  }

  private void handle(HttpExchange exchange) throws IOException {
    String target = exchange.getRequestURI().getRawPath()
        + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    requests.add(new Request(exchange.getRequestMethod(), target, Map.copyOf(exchange.getRequestHeaders()), body));
    Answer answer = answers.getOrDefault(exchange.getRequestMethod() + " " + target,
        new Answer(404, "application/problem+json", problem(404, "no stub for " + target, null)));
    byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", answer.contentType());
    exchange.sendResponseHeaders(answer.status(), bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
