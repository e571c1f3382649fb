package io.turnout.node.management;

import io.turnout.node.admin.AdminJson;
import io.turnout.node.http.HealthRoutes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management port, for probes and operators' scripts, without a token: liveness and readiness
 * ({@code /health/alive}, {@code /health/ready}, and Pekko Management's {@code /alive},
 * {@code /ready}), and the cluster members ({@code /cluster/members}, read only). Unlike the
 * prediction and admin ports it stays bound until the actor system terminates, so probes see
 * "alive, not ready" through the whole drain.
 */
public final class ManagementServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);

  private final Cluster cluster;
  private final BooleanSupplier ready;

  private ManagementServer(ActorSystem<?> system, BooleanSupplier ready) {
    this.cluster = Cluster.get(system);
    this.ready = ready;
  }

  public static CompletionStage<ServerBinding> start(ActorSystem<?> system, String interfaceName, int port,
      BooleanSupplier ready) {
    ManagementServer server = new ManagementServer(system, ready);
    return Http.get(system).newServerAt(interfaceName, port).bind(server.routes())
        .whenComplete((binding, error) -> {
          if (error != null) {
            log.error("Cannot bind the management port {}:{}", interfaceName, port, error);
          } else {
            CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
                "management-unbind", () -> binding.terminate(Duration.ofSeconds(1)).thenApply(done -> Done.getInstance()));
            log.info("Management routes listening on http://{}:{}", binding.localAddress().getHostString(),
                binding.localAddress().getPort());
          }
        });
  }

  Route routes() {
    HealthRoutes health = new HealthRoutes(ready);
    return concat(
        health.routes(),
        path("alive", () -> get(() -> complete(status(true, "alive", "not alive")))),
        path("ready", () -> get(() -> complete(status(ready.getAsBoolean(), "ready", "not ready")))),
        pathPrefix("cluster", () -> path("members", () -> get(() -> complete(members())))));
  }

  private static HttpResponse status(boolean ok, String yes, String no) {
    return HttpResponse.create().withStatus(ok ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE)
        .withEntity(ContentTypes.APPLICATION_JSON, ("{\"status\":\"" + (ok ? yes : no) + "\"}").getBytes());
  }

  private HttpResponse members() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    List<AdminJson.Member> members = new ArrayList<>();
    for (Member member : state.getMembers()) {
      members.add(new AdminJson.Member(member.address().toString(), member.status().toString(),
          member.getRoles().stream().sorted().toList(), !state.getUnreachable().contains(member)));
    }
    String leader = state.getLeader() == null ? null : state.getLeader().toString();
    return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON,
        AdminJson.cluster(cluster.selfMember().address().toString(), leader, members));
  }
}
