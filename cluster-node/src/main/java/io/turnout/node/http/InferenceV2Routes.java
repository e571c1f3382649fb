package io.turnout.node.http;

import io.turnout.node.directory.VersionView;
import io.turnout.node.http.codec.InferenceV2Json;
import io.turnout.node.http.codec.V2Infer;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.protocol.ModelSignature;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The KServe V2 Open Inference Protocol: server metadata and health, model metadata and readiness,
 * and {@code POST /v2/models/{m}[/versions/{v}]/infer}. Readiness answers 200 for true and 400 for
 * false, as the protocol's prose specifies.
 */
public final class InferenceV2Routes extends AllDirectives {
  static final String SERVER_NAME = "turnout";
  static final String SERVER_VERSION = "0.1.0";
  static final String PLATFORM = "tensorflow_savedmodel";

  private final Edge edge;
  private final PredictionClient client;
  private final BooleanSupplier ready;

  InferenceV2Routes(Edge edge, PredictionClient client, BooleanSupplier ready) {
    this.edge = edge;
    this.client = client;
    this.ready = ready;
  }

  public Route routes() {
    return pathPrefix("v2", () -> concat(
        pathEndOrSingleSlash(() -> get(() -> complete(Edge.json(StatusCodes.OK,
            InferenceV2Json.serverMetadata(SERVER_NAME, SERVER_VERSION, List.of()))))),
        path(PathMatchers.segment("health").slash("live"), () -> get(() -> complete(readiness(true)))),
        path(PathMatchers.segment("health").slash("ready"), () -> get(() -> complete(readiness(ready.getAsBoolean())))),
        pathPrefix("models", () -> extractUnmatchedPath(rest -> {
          Optional<ModelPath> parsed = ModelPath.parse(rest);
          if (parsed.isEmpty() || parsed.get().action().startsWith(":")) {
            return complete(Edge.error(StatusCodes.NOT_FOUND, "no endpoint /v2/models" + rest));
          }
          ModelPath path = parsed.get();
          return switch (path.action()) {
            case "" -> get(() -> complete(metadata(path)));
            case "ready" -> get(() -> complete(modelReady(path)));
            case "infer" -> post(() -> extractRequestEntity(entity -> completeWithFuture(infer(path, entity))));
            default -> complete(Edge.error(StatusCodes.NOT_FOUND, "no endpoint /v2/models" + rest));
          };
        }))));
  }

  /** The protocol answers liveness and readiness by status alone, with no body. */
  private static HttpResponse readiness(boolean isReady) {
    return HttpResponse.create().withStatus(isReady ? StatusCodes.OK : StatusCodes.BAD_REQUEST);
  }

  private HttpResponse modelReady(ModelPath path) {
    try {
      return readiness(edge.findVersion(path.model(), path.version()).ready());
    } catch (Edge.EdgeException e) {
      return e.status.intValue() == 503 ? readiness(false) : Edge.failure(e);
    }
  }

  private HttpResponse metadata(ModelPath path) {
    try {
      VersionView version = edge.servingVersion(path.model(), path.version());
      List<Long> versions = path.version().isPresent()
          ? List.of(version.id().version())
          : edge.view().versions(path.model()).stream().filter(VersionView::ready).map(v -> v.id().version()).toList();
      byte[] json = InferenceV2Json.modelMetadata(path.model(), versions, defaultSignature(version));
      return Edge.withVersion(Edge.json(StatusCodes.OK, json), version.id());
    } catch (RuntimeException e) {
      return Edge.failure(e);
    }
  }

  private static ModelSignature defaultSignature(VersionView version) {
    ModelSignature signature = version.signatures().get(ModelSignature.DEFAULT_KEY);
    return signature != null ? signature : version.signatures().values().iterator().next();
  }

  private CompletionStage<HttpResponse> infer(ModelPath path, HttpEntity entity) {
    VersionView version;
    try {
      version = edge.servingVersion(path.model(), path.version());
    } catch (RuntimeException e) {
      entity.discardBytes(edge.materializer());
      return CompletableFuture.completedFuture(Edge.failure(e));
    }
    return edge.body(entity).thenCompose(body -> {
      V2Infer infer = InferenceV2Json.parseInfer(body, version.signatures());
      return client.predict(version, infer.request()).thenApply(reply -> {
        if (reply instanceof Predicted predicted) {
          byte[] json = InferenceV2Json.inferResponse(predicted.result().version(), infer.id(), predicted.result());
          return Edge.withVersion(Edge.json(StatusCodes.OK, json), predicted.result().version());
        }
        return Edge.withVersion(Edge.rejected((Rejected) reply), version.id());
      });
    }).exceptionally(Edge::failure);
  }
}
