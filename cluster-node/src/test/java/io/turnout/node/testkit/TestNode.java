package io.turnout.node.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.node.NodeRegistries;
import io.turnout.node.TurnoutNode;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * One real node in this JVM, on free ports (prediction and admin), with a small HTTP client for its
 * prediction port.
 */
public final class TestNode implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final ActorSystem<Void> system;
  private final int httpPort;
  private final int adminPort;

  private final int managementPort;

  private TestNode(ActorSystem<Void> system, int httpPort, int adminPort, int managementPort) {
    this.system = system;
    this.httpPort = httpPort;
    this.adminPort = adminPort;
    this.managementPort = managementPort;
  }

  /** A URI on the management port. */
  public URI managementUri(String path) {
    return URI.create("http://127.0.0.1:" + managementPort + path);
  }

  /** Starts a node serving {@code modelRoot}; {@code overrides} is HOCON layered over the node's config. */
  public static TestNode start(Path modelRoot, String overrides) {
    return start(modelRoot, overrides, null);
  }

  /**
   * Starts a node serving {@code modelRoot} whose model registry {@code registries} makes (null: the
   * node's default, the folder scan of {@code modelRoot}).
   */
  public static TestNode start(Path modelRoot, String overrides, Function<ActorSystem<?>, NodeRegistries> registries) {
    int httpPort = freePort();
    int adminPort = freePort();
    int managementPort = freePort();
    Config config = ConfigFactory.parseString(overrides)
        .withFallback(ConfigFactory.parseString(
            "turnout.serving.http.port = " + httpPort + "\n"
                + "turnout.serving.http.interface = \"127.0.0.1\"\n"
                + "turnout.admin.http.port = " + adminPort + "\n"
                + "turnout.admin.http.interface = \"127.0.0.1\"\n"
                + "turnout.management.http.port = " + managementPort + "\n"
                + "turnout.management.http.interface = \"127.0.0.1\"\n"
                + "turnout.registry.model-root = \"" + modelRoot.toAbsolutePath() + "\"\n"
                + "pekko.remote.artery.canonical.port = 0\n"
                // A test closing its node does not wait for load balancers; drain tests set their own.
                + "turnout.shutdown.drain-period = 0s\n"
                // Tests that need Cassandra say so; the rest serve straight from the model folder.
                + "turnout.registry.source = folder\n"))
        .withFallback(ConfigFactory.load())
        .resolve();
    ActorSystem<Void> system = registries == null ? TurnoutNode.start(config) : TurnoutNode.start(config, registries);
    return new TestNode(system, httpPort, adminPort, managementPort);
  }

  /**
   * The config that keeps a node's journal, snapshots and model registry in {@code cassandra}, in
   * keyspaces named after {@code keyspace} so that each test class has its own.
   */
  public static String cassandraConfig(RealCassandra.Instance cassandra, String keyspace) {
    return cassandra.settings(keyspace, true) + "turnout.registry.source = cassandra\n";
  }

  /** Asks the coordinator of {@code model} on this node's cluster, waiting up to 10 s for its reply. */
  public <R> R askCoordinator(String model, Function<ActorRef<R>, RolloutCoordinator.Command> command) {
    try {
      return AskPattern.ask(ClusterSharding.get(system).entityRefFor(RolloutCoordinator.ENTITY_KEY, model),
          command::apply, Duration.ofSeconds(10), system.scheduler()).toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("the coordinator of " + model + " did not answer", e.getCause());
    }
  }

  /** The event names of {@code model}'s rollout history, each entry printed for the test's log. */
  public List<String> rolloutHistory(String model) {
    RolloutCoordinator.HistoryPage page = askCoordinator(model, replyTo -> new RolloutCoordinator.GetHistory(0, 1000, replyTo));
    page.entries().forEach(entry -> System.out.println("HISTORY " + entry));
    return page.entries().stream().map(RolloutState.HistoryEntry::event).toList();
  }

  /** A condition a test waits for. */
  public interface Check {
    boolean holds() throws Exception;
  }

  /** Waits up to 60 s for {@code check}; fails naming {@code what} and {@code model}'s rollout history. */
  public void awaitRollout(String model, Check check, String what) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!check.holds()) {
      if (System.nanoTime() > deadline) throw new AssertionError(what + "; history " + rolloutHistory(model));
      Thread.sleep(20);
    }
  }

  /** A URI on the admin port. */
  public URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + adminPort + path);
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** This node's remoting address as a seed node entry ({@code host:port}) for other nodes to join. */
  public String seedAddress() {
    org.apache.pekko.actor.Address address = org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().address();
    return address.getHost().get() + ":" + address.getPort().get();
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
    return await("GET " + path, () -> get(path), condition, timeout);
  }

  /**
   * Asks {@code ask} until its response satisfies {@code condition}; fails after {@code timeout},
   * naming {@code what} and the last response.
   */
  public static HttpResponse<String> await(String what, Supplier<HttpResponse<String>> ask,
      Predicate<HttpResponse<String>> condition, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    HttpResponse<String> last = null;
    while (Instant.now().isBefore(deadline)) {
      try {
        last = ask.get();
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
    throw new AssertionError(what + " did not reach the expected state within " + timeout + "; last: "
        + (last == null ? "no answer" : last.statusCode() + " " + last.body()));
  }


  /** Waits until every listed version reports AVAILABLE in TF Serving's status API. */
  public void awaitAvailable(String model, long... versions) {
    for (long version : versions) {
      awaitGet("/v1/models/" + model + "/versions/" + version,
          r -> r.statusCode() == 200 && r.body().contains("\"AVAILABLE\""), Duration.ofSeconds(60));
    }
  }

  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * A free port below the kernel's ephemeral range (32768+ on Linux): a port the kernel picked for
   * port 0 can be taken as the local port of some outgoing connection (the Cassandra driver's, an
   * HTTP client's) before the node binds it, which failed a test with "Address already in use".
   */
  static int freePort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      if (!HANDED_OUT.add(port)) continue;
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException inUse) {
        // try another
      }
    }
    throw new IllegalStateException("no free port found in 20000-31999");
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
