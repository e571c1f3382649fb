package io.turnout.node.management;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.turnout.node.testkit.TestModels;
import io.turnout.node.testkit.TestNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /cluster/shards/{type}} on the management port lists the shards and entities this node hosts. */
class ManagementShardsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestNode node;

  @BeforeAll
  static void start(@TempDir Path dir) {
    node = TestNode.start(TestModels.rootWith(dir.resolve("models"), "iris"), "");
    node.awaitAvailable("iris", 1, 2);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  @Test
  void listsTheEntitiesOfATypeThisNodeHosts() throws Exception {
    HttpResponse<String> reply = node.send(HttpRequest.newBuilder(node.managementUri("/cluster/shards/ModelVersionReplica"))
        .timeout(Duration.ofSeconds(10)).build());
    assertEquals(200, reply.statusCode(), reply.body());
    JsonNode json = JSON.readTree(reply.body());
    assertEquals("ModelVersionReplica", json.path("typeName").asText());
    Set<String> entities = new HashSet<>();
    for (JsonNode region : json.path("regions")) {
      assertEquals(region.path("entityIds").size(), region.path("numEntities").asInt());
      region.path("entityIds").forEach(id -> entities.add(id.asText()));
    }
    assertTrue(entities.containsAll(Set.of("iris@1#0", "iris@2#0")), "the replicas of both versions: " + entities);
  }

  @Test
  void anUnknownTypeIsNotFound() {
    HttpResponse<String> reply = node.send(HttpRequest.newBuilder(node.managementUri("/cluster/shards/NoSuchType"))
        .timeout(Duration.ofSeconds(10)).build());
    assertEquals(404, reply.statusCode(), reply.body());
    assertTrue(reply.body().contains("NoSuchType"), reply.body());
  }
}
