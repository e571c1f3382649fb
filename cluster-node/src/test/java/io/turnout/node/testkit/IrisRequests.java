package io.turnout.node.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/** What the rollout loop tests send and read: one Iris row per TF Serving request, and its reward. */
public final class IrisRequests {
  private static final ObjectMapper JSON = new ObjectMapper();

  private IrisRequests() {}

  /** A TF Serving :predict request for one row, as {@code user} when not null (the sticky header X-User-Id). */
  public static HttpRequest predict(TestNode node, String path, float[] row, String user) {
    StringBuilder body = new StringBuilder("{\"instances\": [[");
    for (int i = 0; i < row.length; i++) body.append(i == 0 ? "" : ",").append(row[i]);
    HttpRequest.Builder request = HttpRequest.newBuilder(node.uri(path)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body.append("]]}").toString()));
    if (user != null) request.header("X-User-Id", user);
    return request.build();
  }

  /** The class with the highest score in a one-row :predict reply. */
  public static int predictedClass(HttpResponse<String> reply) {
    JsonNode scores;
    try {
      scores = JSON.readTree(reply.body()).at("/predictions/0");
    } catch (IOException e) {
      throw new UncheckedIOException("not a :predict reply: " + reply.body(), e);
    }
    int best = 0;
    for (int i = 1; i < scores.size(); i++) if (scores.get(i).asDouble() > scores.get(best).asDouble()) best = i;
    return best;
  }

  /** POST /v1/feedback with {@code reward} for the prediction whose reply carried {@code requestId}. */
  public static HttpResponse<String> postFeedback(TestNode node, String requestId, double reward) {
    return node.post("/v1/feedback", "{\"request_id\": \"" + requestId + "\", \"reward\": " + reward + "}");
  }
}
