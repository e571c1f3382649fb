package io.turnout.multijvm.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The admin API of one node, with the cluster's token; answers as status plus JSON. */
public final class Admin {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  /** Above the node's admin ask timeout (5 s), so that its 503 arrives rather than ours. */
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  /** An answer; {@code status} 0 when the node did not answer at all. */
  public record Reply(int status, JsonNode json, String body) {
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  private final NodeProcess node;
  private final String token;

  public Admin(NodeProcess node, String token) {
    this.node = node;
    this.token = token;
  }

  public NodeProcess node() {
    return node;
  }

  public Reply get(String path) {
    return send(request(path).GET());
  }

  public Reply post(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  public Reply put(String path, String json) {
    return send(request(path).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(node.adminUri(path)).timeout(TIMEOUT)
        .header("Authorization", "Bearer " + token)
        .header("X-Turnout-User", "multi-jvm-test");
  }

  private static Reply send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Reply(response.statusCode(), parse(response.body()), response.body());
    } catch (IOException e) {
      return new Reply(0, MissingNode.getInstance(), e.getClass().getSimpleName() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? MissingNode.getInstance() : JSON.readTree(body);
    } catch (IOException e) {
      return MissingNode.getInstance();
    }
  }

  /** A cluster member as this node sees it. */
  public record Member(String address, String status, boolean reachable) {}

  /** {@code GET /admin/cluster}; empty when the node does not answer. */
  public List<Member> members() {
    Reply reply = get("/admin/cluster");
    List<Member> members = new ArrayList<>();
    if (!reply.ok()) return members;
    for (JsonNode member : reply.json().path("members")) {
      members.add(new Member(member.path("address").asText(), member.path("status").asText(),
          member.path("reachable").asBoolean()));
    }
    return members;
  }

  /** The whole history of a model's rollouts, every page. */
  public List<History.Entry> history(String model) {
    List<History.Entry> entries = new ArrayList<>();
    long after = 0;
    while (true) {
      Reply reply = get("/admin/models/" + model + "/rollout/history?after=" + after + "&limit=1000");
      if (!reply.ok()) throw new IllegalStateException("history of " + model + " from " + node.name() + ": " + reply);
      for (JsonNode entry : reply.json().path("entries")) entries.add(History.Entry.of(entry));
      if (!reply.json().path("more").asBoolean()) return entries;
      after = reply.json().path("next").asLong();
    }
  }

  public URI uri(String path) {
    return node.adminUri(path);
  }
}
