package io.turnout.node.http;

import io.turnout.node.directory.VersionView;
import io.turnout.node.feedback.RequestIdSigner;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * The prediction flow both APIs share: find the version that serves the request, read the body
 * within the limit, parse it with the API's codec, ask a replica (one retry, re-routed), count the
 * outcome for the version that answered, and write the reply with the API's codec and a signed
 * request id naming that version.
 */
final class Predictions {
  private final Edge edge;
  private final PredictionClient client;
  private final RequestIdSigner requestIds;

  Predictions(Edge edge, PredictionClient client, RequestIdSigner requestIds) {
    this.edge = edge;
    this.client = client;
    this.requestIds = requestIds;
  }

  /**
   * @param parse the API's codec: body and the version's signatures to what it parsed ({@code P})
   * @param requestOf the inference request within what was parsed
   * @param write the API's codec: what was parsed and the result to the reply body
   */
  <P> CompletionStage<HttpResponse> predict(ModelPath path, Edge.Caller caller, HttpEntity entity,
      BiFunction<byte[], Map<String, ModelSignature>, P> parse, Function<P, InferenceRequest> requestOf,
      BiFunction<P, InferenceResult, byte[]> write) {
    VersionView ready;
    try {
      ready = edge.servingVersion(path.model(), path.version(), caller);
    } catch (Edge.EdgeException e) {
      if (!e.worthWaiting) return discarded(entity, e);
      ready = null;
    } catch (RuntimeException e) {
      return discarded(entity, e);
    }
    VersionView readyNow = ready;
    Function<ActorRef<ModelVersionReplica.Command>, VersionView> resolveAgain =
        refused -> edge.servingVersion(path.model(), path.version(), caller, refused);
    // The body is read before any wait for a replica: an entity nobody reads for seconds fails.
    return edge.body(entity).thenCompose(body -> {
      CompletionStage<VersionView> serving = readyNow != null ? CompletableFuture.completedFuture(readyNow)
          : edge.awaitServingVersion(path.model(), path.version(), caller);
      return serving.thenCompose(version -> predict(version, resolveAgain, body, parse, requestOf, write));
    }).exceptionally(Edge::failure);
  }

  private CompletionStage<HttpResponse> discarded(HttpEntity entity, RuntimeException error) {
    entity.discardBytes(edge.materializer());
    return CompletableFuture.completedFuture(Edge.failure(error));
  }

  private <P> CompletionStage<HttpResponse> predict(VersionView version,
      Function<ActorRef<ModelVersionReplica.Command>, VersionView> resolveAgain, byte[] body,
      BiFunction<byte[], Map<String, ModelSignature>, P> parse, Function<P, InferenceRequest> requestOf,
      BiFunction<P, InferenceResult, byte[]> write) {
    P parsed = parse.apply(body, version.signatures());
    long started = System.nanoTime();
    return client.predict(version, resolveAgain, requestOf.apply(parsed)).thenApply(reply -> {
      edge.recordOutcome(version.id(), started, reply);
      if (reply instanceof Predicted predicted) {
        byte[] json = write.apply(parsed, predicted.result());
        ModelVersionId answered = predicted.result().version();
        // Signed, so that reward feedback names the version that answered and cannot be forged.
        return Edge.withVersion(Edge.json(StatusCodes.OK, json), answered).addHeader(
            RawHeader.create(Edge.REQUEST_ID_HEADER, requestIds.sign(answered, System.currentTimeMillis())));
      }
      return Edge.withVersion(Edge.rejected((Rejected) reply), version.id());
    });
  }
}
