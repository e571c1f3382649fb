package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.NodeRegistries;
import io.turnout.node.admin.VersionRegistrar;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import io.turnout.persistence.registry.ModelFolderRegistry;
import io.turnout.persistence.registry.ModelRegistry;
import io.turnout.persistence.registry.RegisteredVersion;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request for a version whose only replica is gone waits for a new one instead of failing. The
 * registry is gated so the test decides when the replica may come back: while the gate is shut
 * the keeper cannot rescan and a new replica cannot load.
 */
class WaitForReplicaTest {
  private static final String ROW = "{\"instances\": [[5.1,3.5,1.4,0.2]]}";
  private static GatedRegistry registry;
  private static TestNode node;

  /** The model folder's versions, but only while the gate is open; calls made while it is shut wait. */
  static final class GatedRegistry implements ModelRegistry {
    private final ModelRegistry folder;
    private volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);
    private volatile boolean failing;

    GatedRegistry(ModelRegistry folder) {
      this.folder = folder;
    }

    void shut() {
      gate = new CompletableFuture<>();
    }

    void open() {
      gate.complete(null);
    }

    /** Every read fails at once, as when Cassandra is down. */
    void fail(boolean fail) {
      failing = fail;
    }

    @Override
    public CompletionStage<List<RegisteredVersion>> versions() {
      if (failing) return CompletableFuture.failedFuture(new IllegalStateException("registry down (test)"));
      return gate.thenCompose(open -> folder.versions());
    }
  }

  @BeforeAll
  static void startNode(@TempDir Path dir) {
    Path root = TestModels.rootWith(dir.resolve("models"), "iris");
    node = TestNode.start(root, """
        turnout.serving.keep-alive-interval = 300ms
        turnout.serving.replica-stop-grace = 200ms
        turnout.serving.http.wait-for-replica = 60s
        """, system -> {
          registry = new GatedRegistry(new ModelFolderRegistry(root, 1, Map.of()));
          return new NodeRegistries(registry, VersionRegistrar.readOnly("tests do not register"));
        });
    node.awaitAvailable("iris", 1);
  }

  @AfterAll
  static void stopNode() {
    registry.fail(false);
    registry.open();
    node.close();
  }

  @Test
  void aRequestWaitsForTheReplicaThatReplacesTheOnlyOne() throws Exception {
    registry.shut();
    ClusterSharding.get(node.system()).entityRefFor(ModelVersionReplica.ENTITY_KEY, "iris@1#0")
        .tell(ModelVersionReplica.Stop.INSTANCE);
    node.awaitGet("/v1/models/iris/versions/1", r -> !r.body().contains("AVAILABLE"), Duration.ofSeconds(30));

    CompletableFuture<HttpResponse<String>> waiting = HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(node.uri("/v1/models/iris/versions/1:predict"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ROW)).build(),
        HttpResponse.BodyHandlers.ofString());
    // Without waiting, the edge would answer 503 "no ready replica" at once.
    assertThrows(TimeoutException.class, () -> waiting.get(1, TimeUnit.SECONDS));

    registry.open();
    HttpResponse<String> answered = waiting.get(60, TimeUnit.SECONDS);
    assertEquals(200, answered.statusCode(), answered.body());
    assertTrue(answered.body().contains("predictions"), answered.body());
  }

  @Test
  void aReplicaThatMustLoadWhileTheRegistryIsDownServesOnceItIsBack() throws Exception {
    node.awaitAvailable("iris", 2);
    registry.fail(true);
    ClusterSharding.get(node.system()).entityRefFor(ModelVersionReplica.ENTITY_KEY, "iris@2#0")
        .tell(ModelVersionReplica.Stop.INSTANCE);
    node.awaitGet("/v1/models/iris/versions/2", r -> !r.body().contains("AVAILABLE"), Duration.ofSeconds(30));
    // The keeper restarts it from its last scan; the new replica cannot read the registry and keeps trying.
    CompletableFuture<HttpResponse<String>> waiting = HttpClient.newHttpClient().sendAsync(
        HttpRequest.newBuilder(node.uri("/v1/models/iris/versions/2:predict"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(ROW)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThrows(TimeoutException.class, () -> waiting.get(3, TimeUnit.SECONDS));
    assertFalse(node.get("/v1/models/iris/versions/2").body().contains("END"), "the replica must not be FAILED");

    registry.fail(false);
    HttpResponse<String> answered = waiting.get(60, TimeUnit.SECONDS);
    assertEquals(200, answered.statusCode(), answered.body());
  }
}
