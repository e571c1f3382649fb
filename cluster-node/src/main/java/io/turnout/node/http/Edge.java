package io.turnout.node.http;

import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.node.http.codec.InvalidInputException;
import io.turnout.node.http.codec.TfServingJson;
import io.turnout.node.metrics.NodeMetrics;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.node.stats.WindowRecorder;
import io.turnout.protocol.ModelVersionId;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import io.turnout.node.replica.ModelVersionReplica;
import org.apache.pekko.actor.typed.ActorRef;
import io.turnout.protocol.rollout.RoutingTable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import io.turnout.node.directory.PublishedView;
import io.turnout.protocol.VersionState;
import org.apache.pekko.actor.typed.Scheduler;
import scala.concurrent.ExecutionContextExecutor;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.Materializer;

/**
 * What both prediction APIs share: reading a body within the payload limit, finding the version a
 * URL names in the current view, and turning every failure into a status with {@code {"error": …}}.
 */
final class Edge {
  static final String MODEL_VERSION_HEADER = "Turnout-Model-Version";
  static final String REQUEST_ID_HEADER = "Turnout-Request-Id";

  private final PublishedView view;
  private final EdgeSettings settings;
  private final Materializer materializer;
  private final WindowRecorder windows;
  private final Scheduler scheduler;
  private final ExecutionContextExecutor timers;
  private final NodeMetrics metrics;

  Edge(PublishedView view, EdgeSettings settings, Materializer materializer, WindowRecorder windows,
      Scheduler scheduler, ExecutionContextExecutor timers, NodeMetrics metrics) {
    this.view = view;
    this.settings = settings;
    this.materializer = materializer;
    this.windows = windows;
    this.scheduler = scheduler;
    this.timers = timers;
    this.metrics = metrics;
  }

  /**
   * Waits, up to the configured wait-for-replica, until {@code condition} holds for the current
   * view; completes either way (the caller looks again). Woken by the directory's next view, not
   * by polling.
   */
  CompletionStage<ServingView> awaitView(BooleanSupplier condition) {
    return view.await(next -> condition.getAsBoolean(), settings.waitForReplica(), scheduler, timers);
  }

  /**
   * As {@link #servingVersion(String, OptionalLong, Caller)}, but when the version has no ready
   * replica yet and one may come (a replica loading, or moving to another node), waits for it up to
   * the configured time instead of failing at once.
   */
  CompletionStage<VersionView> awaitServingVersion(String model, OptionalLong version, Caller caller) {
    try {
      return CompletableFuture.completedFuture(servingVersion(model, version, caller));
    } catch (EdgeException e) {
      if (!e.worthWaiting) return CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return awaitView(() -> resolves(model, version, caller))
        .thenApply(seen -> servingVersion(model, version, caller));
  }

  /** Whether resolving now gives a version or an answer that waiting cannot change. */
  private boolean resolves(String model, OptionalLong version, Caller caller) {
    try {
      servingVersion(model, version, caller);
      return true;
    } catch (EdgeException e) {
      return !e.worthWaiting;
    } catch (RuntimeException e) {
      return true;
    }
  }

  /**
   * Counts a replica's answer in the version's window. Input that does not fit the signature is
   * the client's fault; failures, timeouts, overload and a model refusing fitting input are the
   * version's.
   */
  void recordOutcome(ModelVersionId asked, long startedNanos, PredictReply reply) {
    boolean error = reply instanceof Rejected rejected && rejected.rejection() != Rejection.INVALID_INPUT;
    ModelVersionId answered = reply instanceof Predicted predicted ? predicted.result().version() : asked;
    long nanos = System.nanoTime() - startedNanos;
    windows.record(answered, nanos / 1_000, error);
    metrics.recordPrediction(answered, nanos, reply);
  }

  ServingView view() {
    return view.get();
  }

  Materializer materializer() {
    return materializer;
  }

  /** A failure that already knows its HTTP status and message. */
  static final class EdgeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient StatusCode status;
    /** No replica answers yet, but one is loading or moving: waiting a little may help. */
    final boolean worthWaiting;

    EdgeException(StatusCode status, String message) {
      this(status, message, false);
    }

    EdgeException(StatusCode status, String message, boolean worthWaiting) {
      super(message, null, false, false);
      this.status = status;
      this.worthWaiting = worthWaiting;
    }
  }

  /** The whole body as bytes, failing with 413 past the configured limit. */
  CompletionStage<byte[]> body(HttpEntity entity) {
    return body(entity, settings.maxPayloadBytes());
  }

  /** The whole body as bytes, failing with 413 past {@code limit} bytes. */
  CompletionStage<byte[]> body(HttpEntity entity, long limit) {
    if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > limit) {
      return CompletableFuture.failedFuture(tooLarge(entity.getContentLengthOption().getAsLong(), limit));
    }
    return Stages.plain(entity.withSizeLimit(limit).toStrict(settings.bodyTimeout().toMillis(), materializer))
        .<byte[]>thenApply(strict -> strict.getData().toArray())
        .exceptionally(error -> {
          if (unwrap(error) instanceof EntityStreamSizeException) throw tooLarge(-1, limit);
          throw new EdgeException(StatusCodes.BAD_REQUEST, "cannot read the request body: " + unwrap(error).getMessage());
        });
  }

  private static EdgeException tooLarge(long length, long limit) {
    return new EdgeException(StatusCodes.CONTENT_TOO_LARGE, "the request body"
        + (length >= 0 ? " has " + length + " bytes, which" : "") + " exceeds the limit of " + limit + " bytes");
  }

  /**
   * Who a request comes from, for routing: its headers (case-insensitive, null when absent) and
   * its client address. Only read when the URL names no version and a routing table exists.
   */
  record Caller(Function<String, String> header, String clientAddress) {
    static final Caller NONE = new Caller(name -> null, "");
  }

  /**
   * The version a URL names; else the one the model's routing table picks for this caller; else the
   * latest ready one. A routed version without a ready replica falls back to the table's stable
   * version, then to the latest ready one, so that a rollout never makes a model unanswerable.
   */
  VersionView servingVersion(String model, OptionalLong version, Caller caller) {
    return servingVersion(model, version, caller, null);
  }

  /**
   * As {@link #servingVersion(String, OptionalLong, Caller)}, for a retry after {@code refused}
   * turned the request away: a version whose only ready replica is that one counts as not ready.
   */
  VersionView servingVersion(String model, OptionalLong version, Caller caller,
      ActorRef<ModelVersionReplica.Command> refused) {
    if (version.isEmpty()) {
      ServingView current = view.get();
      Predicate<VersionView> answers = v -> v.readyWithout(refused);
      Optional<RoutingTable> table = current.routing(model);
      if (table.isPresent()) {
        long routed = table.get().route(caller.header(), caller.clientAddress());
        Optional<VersionView> chosen = current.version(new ModelVersionId(model, routed)).filter(answers)
            .or(() -> current.version(new ModelVersionId(model, table.get().stableVersion())).filter(answers));
        if (chosen.isPresent()) return chosen.get();
      }
      if (refused != null) {
        List<VersionView> versions = current.versions(model);
        for (int i = versions.size() - 1; i >= 0; i--) if (answers.test(versions.get(i))) return versions.get(i);
      }
    }
    return servingVersion(model, version);
  }

  /** The version a URL names, or the latest ready one; throws {@link EdgeException} when there is none to serve. */
  VersionView servingVersion(String model, OptionalLong version) {
    VersionView found = findVersion(model, version);
    if (!found.ready()) {
      String why = found.failure().isEmpty() ? "is loading (no ready replica yet)" : "failed to load: " + found.failure();
      throw new EdgeException(StatusCodes.SERVICE_UNAVAILABLE, "version " + found.id().version() + " of model '"
          + model + "' " + why, found.failure().isEmpty());
    }
    return found;
  }

  /** The version a URL names (ready or not), or the latest ready one. */
  VersionView findVersion(String model, OptionalLong version) {
    ServingView current = view.get();
    if (!ModelVersionId.isValidModelName(model) || !current.knows(model)) {
      throw new EdgeException(StatusCodes.NOT_FOUND, "model '" + model + "' not found");
    }
    if (version.isPresent()) {
      return current.version(new ModelVersionId(model, version.getAsLong()))
          .orElseThrow(() -> new EdgeException(StatusCodes.NOT_FOUND,
              "version " + version.getAsLong() + " of model '" + model + "' not found"));
    }
    return current.latestReady(model).orElseThrow(() -> new EdgeException(StatusCodes.SERVICE_UNAVAILABLE,
        "model '" + model + "' has no version ready to serve",
        current.versions(model).stream().anyMatch(v -> v.state() == VersionState.LOADING)));
  }

  static HttpResponse json(StatusCode status, byte[] body) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, body);
  }

  static HttpResponse error(StatusCode status, String message) {
    return json(status, TfServingJson.error(message));
  }

  static HttpResponse withVersion(HttpResponse response, ModelVersionId version) {
    return response.addHeader(RawHeader.create(MODEL_VERSION_HEADER, Long.toString(version.version())));
  }

  static HttpResponse rejected(Rejected rejected) {
    StatusCode status = switch (rejected.rejection()) {
      case INVALID_INPUT, REFUSED_BY_MODEL -> StatusCodes.BAD_REQUEST;
      case OVERLOADED, UNAVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
      case FAILED -> StatusCodes.INTERNAL_SERVER_ERROR;
    };
    return error(status, rejected.message());
  }

  /** Maps any failure of a request's future to its response; unknown failures are 500s with their message. */
  static HttpResponse failure(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof EdgeException edge) return error(edge.status, edge.getMessage());
    if (cause instanceof InvalidInputException invalid) return error(StatusCodes.BAD_REQUEST, invalid.getMessage());
    return error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error: " + cause);
  }

  static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while (cause instanceof CompletionException && cause.getCause() != null) cause = cause.getCause();
    return cause;
  }
}
