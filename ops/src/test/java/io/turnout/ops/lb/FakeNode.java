package io.turnout.ops.lb;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in node on a free loopback port: {@code /health/ready} answers 200 or 503 as told; every
 * other request is counted and answered 200 with the node's name, or, when told to drop, its
 * connection is closed without an answer after the request was read.
 */
final class FakeNode implements AutoCloseable {
  private final String name;
  private final HttpServer server;
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final AtomicBoolean drop = new AtomicBoolean(false);
  final AtomicInteger served = new AtomicInteger();
  final AtomicInteger dropped = new AtomicInteger();

  FakeNode(String name) throws IOException {
    this.name = name;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.createContext("/", this::handle);
    server.start();
  }

  Backend backend() {
    return new Backend("127.0.0.1", server.getAddress().getPort());
  }

  void ready(boolean value) {
    ready.set(value);
  }

  void dropRequests(boolean value) {
    drop.set(value);
  }

  private void handle(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    if (exchange.getRequestURI().getPath().equals("/health/ready")) {
      respond(exchange, ready.get() ? 200 : 503, ready.get() ? "{\"status\":\"ready\"}" : "{\"status\":\"not ready\"}");
      return;
    }
    if (drop.get()) {
      dropped.incrementAndGet();
      exchange.close(); // no status line: the client sees the connection end
      return;
    }
    served.incrementAndGet();
    respond(exchange, 200, "{\"node\":\"" + name + "\"}");
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
