package io.turnout.node.http;

import io.turnout.node.directory.VersionView;
import io.turnout.node.http.codec.TfServingJson;
import io.turnout.node.http.codec.TfServingPredict;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.protocol.VersionStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * TensorFlow Serving's REST API: {@code GET /v1/models/{m}[/versions/{v}]} (status),
 * {@code …/metadata} and {@code POST …:predict} in row ({@code instances}) or columnar
 * ({@code inputs}) form. Translates only: parsing and writing live in {@link TfServingJson}.
 */
public final class TfServingRoutes extends AllDirectives {
  private final Edge edge;
  private final PredictionClient client;

  TfServingRoutes(Edge edge, PredictionClient client) {
    this.edge = edge;
    this.client = client;
  }

  public Route routes() {
    return pathPrefix("v1", () -> pathPrefix("models", () -> extractUnmatchedPath(rest -> {
      Optional<ModelPath> parsed = ModelPath.parse(rest);
      if (parsed.isEmpty()) return complete(Edge.error(StatusCodes.NOT_FOUND, "no endpoint /v1/models" + rest));
      ModelPath path = parsed.get();
      return switch (path.action()) {
        case "" -> get(() -> complete(status(path)));
        case "metadata" -> get(() -> complete(metadata(path)));
        case ":predict" -> post(() -> extractRequestEntity(entity -> completeWithFuture(predict(path, entity))));
        default -> complete(Edge.error(StatusCodes.NOT_FOUND, "no endpoint /v1/models" + rest
            + " (this server offers status, /metadata and :predict)"));
      };
    })));
  }

  private HttpResponse status(ModelPath path) {
    try {
      List<VersionStatus> statuses = path.version().isPresent()
          ? List.of(statusOf(edge.findVersion(path.model(), path.version())))
          : edge.view().versions(path.model()).stream().map(TfServingRoutes::statusOf).toList();
      if (statuses.isEmpty()) edge.findVersion(path.model(), path.version());
      return Edge.json(StatusCodes.OK, TfServingJson.versionStatus(statuses));
    } catch (RuntimeException e) {
      return Edge.failure(e);
    }
  }

  private static VersionStatus statusOf(VersionView version) {
    return new VersionStatus(version.id(), version.state(), version.failure());
  }

  private HttpResponse metadata(ModelPath path) {
    try {
      VersionView version = edge.servingVersion(path.model(), path.version());
      return Edge.withVersion(Edge.json(StatusCodes.OK, TfServingJson.metadata(version.id(), version.signatures())),
          version.id());
    } catch (RuntimeException e) {
      return Edge.failure(e);
    }
  }

  private CompletionStage<HttpResponse> predict(ModelPath path, HttpEntity entity) {
    VersionView version;
    try {
      version = edge.servingVersion(path.model(), path.version());
    } catch (RuntimeException e) {
      entity.discardBytes(edge.materializer());
      return CompletableFuture.completedFuture(Edge.failure(e));
    }
    return edge.body(entity).thenCompose(body -> {
      TfServingPredict predict = TfServingJson.parsePredict(body, version.signatures());
      return client.predict(version, predict.request()).thenApply(reply -> {
        if (reply instanceof Predicted predicted) {
          byte[] json = TfServingJson.predictResponse(predicted.result(), predict.format());
          return Edge.withVersion(Edge.json(StatusCodes.OK, json), predicted.result().version());
        }
        return Edge.withVersion(Edge.rejected((Rejected) reply), version.id());
      });
    }).exceptionally(Edge::failure);
  }
}
