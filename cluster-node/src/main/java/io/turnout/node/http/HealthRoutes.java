package io.turnout.node.http;

import java.util.function.BooleanSupplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /health/alive} and {@code /health/ready} for load balancers: 200 or 503, nothing to parse. */
public final class HealthRoutes extends AllDirectives {
  private final BooleanSupplier ready;

  public HealthRoutes(BooleanSupplier ready) {
    this.ready = ready;
  }

  public Route routes() {
    return pathPrefix("health", () -> concat(
        path("alive", () -> get(() -> complete(Edge.json(StatusCodes.OK, "{\"status\":\"alive\"}".getBytes())))),
        path("ready", () -> get(() -> complete(ready.getAsBoolean()
            ? Edge.json(StatusCodes.OK, "{\"status\":\"ready\"}".getBytes())
            : Edge.json(StatusCodes.SERVICE_UNAVAILABLE, "{\"status\":\"not ready\"}".getBytes()))))));
  }
}
