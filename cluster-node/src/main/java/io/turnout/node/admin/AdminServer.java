package io.turnout.node.admin;

import io.turnout.node.directory.ServingView;
import io.turnout.node.lifecycle.NodeDrain;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin port: {@link AdminRoutes} on their own binding, unbound by Coordinated Shutdown. */
public final class AdminServer {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

  private AdminServer() {}

  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, AdminSettings settings,
      Supplier<ServingView> view, VersionRegistrar registrar, NodeDrain drain) {
    if (settings.token().isEmpty()) {
      log.warn("No admin token is configured: the admin API on port {} refuses every request with 401. Set "
          + "turnout.admin.token (or the environment variable TURNOUT_ADMIN_TOKEN) to use it.", settings.port());
    } else if (settings.token().get().length() < 16) {
      log.warn("The admin token is shorter than 16 characters; use a long random one (openssl rand -hex 32)");
    }
    AdminRoutes routes = new AdminRoutes(system, settings, view, registrar, drain);
    return Http.get(system).newServerAt(settings.interfaceName(), settings.port()).bind(routes.routes())
        .whenComplete((binding, error) -> {
          if (error != null) {
            log.error("Cannot bind the admin port {}:{}", settings.interfaceName(), settings.port(), error);
          } else {
            binding.addToCoordinatedShutdown(drain.settings().requestsDeadline(), system);
            log.info("Admin API listening on http://{}:{}", binding.localAddress().getHostString(),
                binding.localAddress().getPort());
          }
        });
  }
}
