package io.turnout.node.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.node.TurnoutNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;

/** One real node in this JVM, on free ports, with a small HTTP client for its prediction port. */
public final class TestNode implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final ActorSystem<Void> system;
  private final int httpPort;

  private TestNode(ActorSystem<Void> system, int httpPort) {
    this.system = system;
    this.httpPort = httpPort;
  }

  /** Starts a node serving {@code modelRoot}; {@code overrides} is HOCON layered over the node's config. */
  public static TestNode start(Path modelRoot, String overrides) {
    int httpPort = freePort();
    Config config = ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(
            "turnout.serving.http.port = " + httpPort + "\n"
                + "turnout.serving.http.interface = \"127.0.0.1\"\n"
                + "turnout.registry.model-root = \"" + modelRoot.toAbsolutePath() + "\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"))
        .withFallback(ConfigFactory.load())
        .resolve();
    return new TestNode(TurnoutNode.start(config), httpPort);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  public HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET().build());
  }

  public HttpResponse<String> post(String path, String body) {
    return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  public HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Polls {@code path} until its response satisfies {@code condition}; fails after {@code timeout}. */
  public HttpResponse<String> awaitGet(String path, Predicate<HttpResponse<String>> condition, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    HttpResponse<String> last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        last = get(path);
        if (condition.test(last)) return last;
      } catch (UncheckedIOException notYetListening) {
        // the port binds shortly after the actor system starts
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new AssertionError("GET " + path + " did not reach the expected state within " + timeout + "; last: "
        + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
  }

  /** Waits until every listed version reports AVAILABLE in TF Serving's status API. */
  public void awaitAvailable(String model, long... versions) {
    for (long version : versions) {
      awaitGet("/v1/models/" + model + "/versions/" + version,
          r -> r.statusCode() == 200 && r.body().contains("\"AVAILABLE\""), Duration.ofSeconds(60));
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("node did not terminate", e);
    }
  }
}
