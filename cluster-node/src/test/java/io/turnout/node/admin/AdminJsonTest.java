package io.turnout.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.turnout.node.admin.AdminJson.RegistrationRequest;
import io.turnout.node.admin.ModelFacts.VersionFacts;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.WeightedVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdminJsonTest {

  static RegistrationRequest registration(String json) {
    return AdminJson.parseRegistration(json.getBytes(StandardCharsets.UTF_8), 1, 64);
  }

  static Problem refused(String json) {
    Problem problem = assertThrows(Problem.class, () -> registration(json));
    assertEquals(422, problem.status(), problem.detail());
    return problem;
  }

  @Test
  void readsARegistration() {
    assertEquals(new RegistrationRequest(URI.create("file:/models/iris/3"), 2),
        registration("{\"artifact\": \"file:///models/iris/3\", \"replicas\": 2}"));
  }

  @Test
  void normalizesTheArtifactPath() {
    assertEquals(URI.create("file:/models/iris/3"),
        registration("{\"artifact\": \"file://localhost/models/iris/./3/\"}").artifact());
    assertEquals(URI.create("file:/models/iris/3"), registration("{\"artifact\": \"file:/models/x/../iris/3\"}").artifact());
  }

  @Test
  void replicasDefaultToTheConfiguredCount() {
    assertEquals(3, AdminJson.parseRegistration("{\"artifact\": \"file:///m/1\"}".getBytes(StandardCharsets.UTF_8), 3, 64)
        .replicas());
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://bucket/iris/3", "/models/iris/3", "models/iris/3", "http://host/x"})
  void refusesArtifactsThatAreNotFileUris(String artifact) {
    Problem problem = refused("{\"artifact\": \"" + artifact + "\"}");
    assertEquals("/artifact", problem.pointer());
    assertTrue(problem.detail().contains("file: URI"), problem.detail());
  }

  @Test
  void refusesArtifactsThatAreNoLocalAbsoluteFolder() {
    assertTrue(refused("{\"artifact\": \"file:relative/3\"}").detail().contains("absolute folder"));
    assertTrue(refused("{\"artifact\": \"file:///\"}").detail().contains("absolute folder"));
    assertTrue(refused("{\"artifact\": \"file://fileserver/models/3\"}").detail().contains("not on host \"fileserver\""));
    assertTrue(refused("{\"artifact\": \"file:///m/3?x=1\"}").detail().contains("query or fragment"));
    assertTrue(refused("{\"artifact\": \"file:///m /3\"}").detail().contains("not a URI"));
  }

  @Test
  void refusesNonsenseReplicas() {
    assertEquals("/replicas", refused("{\"artifact\": \"file:///m/3\", \"replicas\": 0}").pointer());
    assertTrue(refused("{\"artifact\": \"file:///m/3\", \"replicas\": 65}").detail()
        .contains("replicas must be a whole number from 1 to 64, not 65"));
    assertTrue(refused("{\"artifact\": \"file:///m/3\", \"replicas\": \"2\"}").detail().contains("not the string"));
  }

  @Test
  void refusesMissingArtifactAndUnknownFields() {
    assertEquals("/artifact", refused("{\"replicas\": 1}").pointer());
    assertEquals("/path", refused("{\"artifact\": \"file:///m/3\", \"path\": \"x\"}").pointer());
    assertEquals(400, assertThrows(Problem.class, () -> registration("{\"artifact\":")).status());
  }

  @Test
  void writesModelsWithStateReplicasAndWeights() throws Exception {
    RoutingTable table = new RoutingTable("iris", 3, 1, List.of(new WeightedVersion(2, 500), new WeightedVersion(1, 9500)),
        List.of(), "", Map.of(2L, 3));
    ModelFacts model = new ModelFacts("iris", List.of(
        new VersionFacts(1, URI.create("file:/m/iris/1"), VersionState.AVAILABLE, "", 2, 2, 2),
        new VersionFacts(2, URI.create("file:/m/iris/2"), VersionState.LOADING, "", 1, 3, 0),
        new VersionFacts(3, URI.create("file:/m/iris/3"), VersionState.FAILED, "no saved_model.pb", 1, 1, 0)),
        Optional.of(table));
    JsonNode json = Json.MAPPER.readTree(AdminJson.models(List.of(model)));
    JsonNode versions = json.at("/models/0/versions");
    assertEquals("iris", json.at("/models/0/model").asText());
    assertEquals("AVAILABLE", versions.at("/0/state").asText());
    assertTrue(versions.at("/0/failure").isNull());
    assertEquals(95, versions.at("/0/weightPercent").asInt());
    assertEquals("{\"registered\":1,\"wanted\":3,\"ready\":0}", versions.at("/1/replicas").toString());
    assertEquals(5, versions.at("/1/weightPercent").asInt());
    assertEquals("FAILED", versions.at("/2/state").asText());
    assertEquals("no saved_model.pb", versions.at("/2/failure").asText());
    assertEquals(0, versions.at("/2/weightPercent").asInt());
    assertEquals(3, json.at("/models/0/routing/revision").asLong());
  }

  @Test
  void writesProblemsAsRfc9457() throws Exception {
    JsonNode json = Json.MAPPER.readTree(AdminJson.problem(Problem.invalid("/phases/0/steps", "steps must rise"),
        "/admin/models/iris/rollouts"));
    assertEquals("urn:turnout:problem:invalid-request", json.get("type").asText());
    assertEquals("Invalid request", json.get("title").asText());
    assertEquals(422, json.get("status").asInt());
    assertEquals("steps must rise", json.get("detail").asText());
    assertEquals("/admin/models/iris/rollouts", json.get("instance").asText());
    assertEquals("/phases/0/steps", json.get("pointer").asText());
  }

  @Test
  void writesClusterMembers() throws Exception {
    JsonNode json = Json.MAPPER.readTree(AdminJson.cluster("pekko://turnout@127.0.0.1:25520", null, List.of(
        new AdminJson.Member("pekko://turnout@127.0.0.1:25520", "Up", List.of("dc-default"), true))));
    assertEquals("pekko://turnout@127.0.0.1:25520", json.get("self").asText());
    assertTrue(json.get("leader").isNull());
    assertEquals("Up", json.at("/members/0/status").asText());
    assertTrue(json.at("/members/0/reachable").asBoolean());
  }
}
