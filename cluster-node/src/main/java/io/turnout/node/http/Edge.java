package io.turnout.node.http;

import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.node.http.codec.InvalidInputException;
import io.turnout.node.http.codec.TfServingJson;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.protocol.ModelVersionId;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
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

  private final Supplier<ServingView> view;
  private final EdgeSettings settings;
  private final Materializer materializer;

  Edge(Supplier<ServingView> view, EdgeSettings settings, Materializer materializer) {
    this.view = view;
    this.settings = settings;
    this.materializer = materializer;
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

    EdgeException(StatusCode status, String message) {
      super(message, null, false, false);
      this.status = status;
    }
  }

  /** The whole body as bytes, failing with 413 past the configured limit. */
  CompletionStage<byte[]> body(HttpEntity entity) {
    long limit = settings.maxPayloadBytes();
    if (entity.getContentLengthOption().isPresent() && entity.getContentLengthOption().getAsLong() > limit) {
      return CompletableFuture.failedFuture(tooLarge(entity.getContentLengthOption().getAsLong()));
    }
    return entity.withSizeLimit(limit)
        .toStrict(settings.bodyTimeout().toMillis(), materializer)
        .<byte[]>thenApply(strict -> strict.getData().toArray())
        .exceptionally(error -> {
          if (unwrap(error) instanceof EntityStreamSizeException) throw tooLarge(-1);
          throw new EdgeException(StatusCodes.BAD_REQUEST, "cannot read the request body: " + unwrap(error).getMessage());
        });
  }

  private EdgeException tooLarge(long length) {
    return new EdgeException(StatusCodes.CONTENT_TOO_LARGE, "the request body"
        + (length >= 0 ? " has " + length + " bytes, which" : "") + " exceeds the limit of "
        + settings.maxPayloadBytes() + " bytes");
  }

  /** The version a URL names, or the latest ready one; throws {@link EdgeException} when there is none to serve. */
  VersionView servingVersion(String model, OptionalLong version) {
    VersionView found = findVersion(model, version);
    if (!found.ready()) {
      String why = found.failure().isEmpty() ? "is loading" : "failed to load: " + found.failure();
      throw new EdgeException(StatusCodes.SERVICE_UNAVAILABLE, "version " + found.id().version() + " of model '"
          + model + "' " + why);
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
        "model '" + model + "' has no version ready to serve"));
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
      case INVALID_INPUT -> StatusCodes.BAD_REQUEST;
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
