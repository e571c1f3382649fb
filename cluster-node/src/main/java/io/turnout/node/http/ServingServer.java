package io.turnout.node.http;

import io.turnout.node.cluster.UnreachableNodes;
import io.turnout.node.directory.PublishedView;
import io.turnout.node.feedback.RewardFeedback;
import io.turnout.node.metrics.MetricsRoutes;
import io.turnout.node.metrics.NodeMetrics;
import io.turnout.node.stats.WindowRecorder;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SystemMaterializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The prediction port: both prediction APIs, reward feedback and the health routes behind one
 * binding, every reply in JSON with a {@code Turnout-Request-Id} (signed on successful predictions,
 * random elsewhere), unbound by Coordinated Shutdown after in-flight requests finish.
 */
public final class ServingServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ServingServer.class);

  private ServingServer() {}

  public static Route route(ActorSystem<?> system, PublishedView view, BooleanSupplier ready,
      EdgeSettings settings, WindowRecorder windows, RewardFeedback feedback) {
    Materializer materializer = SystemMaterializer.get(system).materializer();
    NodeMetrics metrics = NodeMetrics.get(system);
    metrics.watch(system, view, ready);
    Edge edge = new Edge(view, settings, materializer, windows, system.scheduler(), system.executionContext(), metrics);
    PredictionClient client = new PredictionClient(system, settings.askTimeout(), edge::awaitView,
        UnreachableNodes.following(system));
    Shadows shadows = new Shadows(view, client, windows, system.executionContext(),
        system.settings().config().getInt("turnout.serving.shadow.max-in-flight"));
    Predictions predictions = new Predictions(edge, client, feedback.signer(), shadows);
    Route routes = new ServingServer().concat(
        new FeedbackRoutes(edge, feedback).routes(),
        new TfServingRoutes(edge, predictions).routes(),
        new InferenceV2Routes(edge, predictions, ready).routes(),
        new HealthRoutes(ready).routes(),
        new MetricsRoutes(metrics).routes());
    return new ServingServer().json(routes, metrics);
  }

  /**
   * Binds the prediction port. Coordinated Shutdown unbinds it (service-unbind, after the drain
   * period) and gives in-flight requests up to {@code requestsDeadline} to finish.
   */
  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, Route route, EdgeSettings settings,
      Duration requestsDeadline) {
    return Http.get(system).newServerAt(settings.interfaceName(), settings.port()).bind(route)
        .whenComplete((binding, error) -> {
          if (error != null) {
            log.error("Cannot bind the prediction port {}:{}", settings.interfaceName(), settings.port(), error);
          } else {
            binding.addToCoordinatedShutdown(requestsDeadline, system);
            log.info("Prediction API listening on http://{}:{}", binding.localAddress().getHostString(),
                binding.localAddress().getPort());
          }
        });
  }

  private Route json(Route routes, NodeMetrics metrics) {
    RejectionHandler rejections = RejectionHandler.defaultHandler().mapRejectionResponse(ServingServer::asJsonError);
    ExceptionHandler exceptions = ExceptionHandler.newBuilder().matchAny(error -> complete(Edge.failure(error))).build();
    return mapResponse(response -> {
      metrics.recordResponse(response.status().intValue());
      return withRequestId(response);
    }, () -> handleRejections(rejections, () -> handleExceptions(exceptions, () -> routes)));
  }

  private static HttpResponse asJsonError(HttpResponse response) {
    if (response.entity() instanceof HttpEntity.Strict strict && !strict.getContentType().equals(
        org.apache.pekko.http.javadsl.model.ContentTypes.APPLICATION_JSON)) {
      return Edge.error(response.status(), strict.getData().utf8String());
    }
    return response;
  }

  private static HttpResponse withRequestId(HttpResponse response) {
    if (response.getHeader(Edge.REQUEST_ID_HEADER).isPresent()) return response;
    return response.addHeader(RawHeader.create(Edge.REQUEST_ID_HEADER, RequestIds.next()));
  }
}
