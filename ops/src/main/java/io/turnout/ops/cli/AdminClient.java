package io.turnout.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Talks to a node's admin API: JSON in and out, the bearer token and the acting user on every
 * request, and every failure turned into a {@link CliException} with its documented exit code and
 * the server's problem detail.
 */
final class AdminClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Optional<String> token;
  private final String user;
  private final Duration timeout;
  private final HttpClient http;

  AdminClient(URI base, Optional<String> token, String user, Duration timeout) {
    String text = base.toString();
    this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
    this.token = token.filter(t -> !t.isBlank());
    this.user = user;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  URI base() {
    return base;
  }

  /** A path segment, escaped. */
  static String segment(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** A successful answer: its status (200, 201) and JSON body. */
  record Reply(int status, JsonNode json) {}

  Reply get(String path) {
    return send(builder(path).GET());
  }

  Reply post(String path, String json) {
    return send(builder(path).header("Content-Type", "application/json")
        .POST(json.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
  }

  Reply put(String path, String json) {
    return send(builder(path).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpRequest.Builder builder(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
        .header("Accept", "application/json, application/problem+json")
        .header("X-Turnout-User", user);
    token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
    return builder;
  }

  private Reply send(HttpRequest.Builder request) {
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.UNAVAILABLE, "interrupted");
    }
    if (response.statusCode() >= 400) throw failure(response.statusCode(), response.body());
    try {
      return new Reply(response.statusCode(), JSON.readTree(response.body()));
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNAVAILABLE, "the admin API at " + base + " answered " + response.statusCode()
          + " with something that is not JSON: " + abbreviate(response.body()));
    }
  }

  /**
   * Opens the rollout event stream of {@code model} after {@code lastEventId}: the lines as they
   * come. Throws {@link IOException} when the server cannot be reached (the caller reconnects) and
   * {@link CliException} when it refuses.
   */
  Stream<String> events(String model, long lastEventId) throws IOException {
    HttpRequest request = builder("/admin/models/" + segment(model) + "/rollout/events")
        .timeout(Duration.ofDays(1))
        .header("Accept", "text/event-stream")
        .header("Last-Event-ID", Long.toString(lastEventId))
        .GET().build();
    HttpResponse<Stream<String>> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofLines());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.UNAVAILABLE, "interrupted");
    }
    if (response.statusCode() >= 400) {
      String body;
      try (Stream<String> lines = response.body()) {
        body = String.join("\n", lines.toList());
      }
      throw failure(response.statusCode(), body);
    }
    return response.body();
  }

  CliException unreachable(IOException e) {
    String why = e instanceof ConnectException ? "connection refused"
        : e instanceof HttpConnectTimeoutException ? "no connection within " + timeout.toSeconds() + " s"
        : e instanceof HttpTimeoutException ? "no answer within " + timeout.toSeconds() + " s"
        : String.valueOf(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
    return new CliException(ExitCodes.UNAVAILABLE, "cannot reach the admin API at " + base + ": " + why
        + " (set --url or TURNOUT_ADMIN_URL)");
  }

  /** A refusal as one line: the problem's detail (and where in the request), with a hint for 401. */
  static CliException failure(int status, String body) {
    String detail = abbreviate(body);
    String title = "HTTP " + status;
    String pointer = "";
    try {
      JsonNode problem = JSON.readTree(body);
      if (problem != null && problem.hasNonNull("detail")) {
        detail = problem.get("detail").asText();
        title = problem.path("title").asText(title);
        pointer = problem.path("pointer").asText("");
      }
    } catch (IOException notJson) {
      // keep the body as it is
    }
    String message = switch (ExitCodes.forStatus(status)) {
      case ExitCodes.UNAUTHORIZED -> "unauthorized: " + detail + " (pass --token or set TURNOUT_ADMIN_TOKEN)";
      case ExitCodes.UNAVAILABLE -> "the admin API failed (" + status + " " + title + "): " + detail;
      default -> "refused (" + status + " " + title + "): " + detail + (pointer.isEmpty() ? "" : " [at " + pointer + "]");
    };
    return new CliException(ExitCodes.forStatus(status), message);
  }

  private static String abbreviate(String text) {
    String oneLine = text.strip().replace('\n', ' ');
    return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
  }
}
