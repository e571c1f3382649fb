package io.turnout.node.admin;

import static io.turnout.node.admin.Json.NODES;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnout.node.admin.ModelFacts.VersionFacts;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.rollout.RoutingTable;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The admin API's JSON besides rollouts, pure: version registrations, models, cluster members, problems. */
public final class AdminJson {
  private AdminJson() {}

  private static final Set<String> REGISTRATION_FIELDS = Set.of("artifact", "replicas");

  /** What {@code PUT /admin/models/{m}/versions/{v}} asks for. */
  public record RegistrationRequest(URI artifact, int replicas) {}

  /**
   * Reads {@code {"artifact": "file:///models/iris/3", "replicas": 2}}: the artifact an absolute
   * {@code file:} URI of a folder (the SavedModel), replicas from 1 to {@code maxReplicas},
   * {@code defaultReplicas} when absent.
   */
  public static RegistrationRequest parseRegistration(byte[] body, int defaultReplicas, int maxReplicas) {
    ObjectNode root = Json.object(body);
    Json.onlyFields(root, "", REGISTRATION_FIELDS, "a registration");
    String text = Json.string(Json.required(root, "artifact", "", "a registration"), "/artifact", "artifact");
    URI artifact = artifactUri(text);
    int replicas = root.hasNonNull("replicas")
        ? Json.intWithin(root.get("replicas"), 1, maxReplicas, "/replicas", "replicas") : defaultReplicas;
    return new RegistrationRequest(artifact, replicas);
  }

  static URI artifactUri(String text) {
    URI uri;
    try {
      uri = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw Problem.invalid("/artifact", "artifact is not a URI: " + e.getMessage());
    }
    if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals("file")) {
      throw Problem.invalid("/artifact", "artifact must be a file: URI of a SavedModel folder that every node can "
          + "read, such as file:///models/iris/3, not \"" + text + "\"");
    }
    if (uri.isOpaque() || uri.getPath() == null || !uri.getPath().startsWith("/") || uri.getPath().equals("/")) {
      throw Problem.invalid("/artifact", "artifact must name an absolute folder, such as file:///models/iris/3, not \""
          + text + "\"");
    }
    String host = uri.getHost() == null ? uri.getAuthority() : uri.getHost();
    if (host != null && !host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
      throw Problem.invalid("/artifact", "artifact must be a local path (file:///…), not on host \"" + host + "\"");
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw Problem.invalid("/artifact", "artifact must not have a query or fragment: \"" + text + "\"");
    }
    try {
      String path = new URI("file", null, uri.getPath(), null).normalize().getPath();
      while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
      return new URI("file", null, path, null);
    } catch (URISyntaxException e) {
      throw Problem.invalid("/artifact", "artifact is not a URI: " + e.getMessage());
    }
  }

  /** A version just registered. */
  public static byte[] registered(RegisteredVersion version, boolean created) {
    ObjectNode out = NODES.objectNode();
    out.put("model", version.id().model());
    out.put("version", version.id().version());
    out.put("artifact", version.artifact().toString());
    out.put("replicas", version.replicas());
    out.put("created", created);
    return Json.write(out);
  }

  public static byte[] models(List<ModelFacts> models) {
    ObjectNode out = NODES.objectNode();
    ArrayNode list = out.putArray("models");
    models.forEach(model -> list.add(modelNode(model)));
    return Json.write(out);
  }

  public static byte[] model(ModelFacts model) {
    return Json.write(modelNode(model));
  }

  public static byte[] version(ModelFacts model, VersionFacts version) {
    return Json.write(versionNode(version, model.routing().orElse(null)).put("model", model.model()));
  }

  private static ObjectNode modelNode(ModelFacts model) {
    ObjectNode out = NODES.objectNode();
    out.put("model", model.model());
    RoutingTable table = model.routing().orElse(null);
    ArrayNode versions = out.putArray("versions");
    model.versions().forEach(version -> versions.add(versionNode(version, table)));
    out.set("routing", table == null ? NODES.nullNode() : RolloutJson.routing(table));
    return out;
  }

  private static ObjectNode versionNode(VersionFacts version, RoutingTable table) {
    ObjectNode out = NODES.objectNode();
    out.put("version", version.version());
    out.put("artifact", version.artifact().toString());
    out.put("state", version.state().name());
    if (version.failure().isEmpty()) out.putNull("failure");
    else out.put("failure", version.failure());
    ObjectNode replicas = out.putObject("replicas");
    replicas.put("registered", version.registeredReplicas());
    replicas.put("wanted", version.wantedReplicas());
    replicas.put("ready", version.readyReplicas());
    if (table == null) out.putNull("weightPercent");
    else out.set("weightPercent", Json.percentNode(table.weightOf(version.version())));
    return out;
  }

  /** One cluster member as the admin API shows it. */
  public record Member(String address, String status, List<String> roles, boolean reachable) {}

  public static byte[] cluster(String self, String leader, List<Member> members) {
    ObjectNode out = NODES.objectNode();
    out.put("self", self);
    if (leader == null) out.putNull("leader");
    else out.put("leader", leader);
    ArrayNode list = out.putArray("members");
    for (Member member : members) {
      ObjectNode m = list.addObject();
      m.put("address", member.address());
      m.put("status", member.status());
      ArrayNode roles = m.putArray("roles");
      member.roles().forEach(roles::add);
      m.put("reachable", member.reachable());
    }
    return Json.write(out);
  }

  /** The answer to a drain request: the node leaves on its own from now on. */
  public static byte[] draining(String self, String reason, java.time.Duration drainPeriod, java.time.Duration replicaWait) {
    ObjectNode out = NODES.objectNode();
    out.put("node", self);
    out.put("status", "draining");
    out.put("reason", reason);
    out.put("drainPeriodMs", drainPeriod.toMillis());
    out.put("replicaWaitMs", replicaWait.toMillis());
    return Json.write(out);
  }

  /** An RFC 9457 problem document; {@code instance} is the request's path. */
  public static byte[] problem(Problem problem, String instance) {
    ObjectNode out = NODES.objectNode();
    out.put("type", problem.kind().type);
    out.put("title", problem.kind().title);
    out.put("status", problem.status());
    out.put("detail", problem.detail());
    out.put("instance", instance);
    if (!problem.pointer().isEmpty()) out.put("pointer", problem.pointer());
    return Json.write(out);
  }
}
