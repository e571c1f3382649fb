package io.turnout.node.management;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.turnout.node.admin.AdminJson;
import io.turnout.node.http.HealthRoutes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.ClusterSharding;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
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
 * {@code /ready}), the cluster members ({@code /cluster/members}, read only) and the shards of one
 * entity type that this node hosts ({@code /cluster/shards/{type}}: which node runs a model's rollout
 * coordinator, for instance; Pekko Management's shape with the entity ids added). Unlike the
 * prediction and admin ports it stays bound until the actor system terminates, so probes see
 * "alive, not ready" through the whole drain.
 */
public final class ManagementServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(ManagementServer.class);

  private static final Duration SHARDS_TIMEOUT = Duration.ofSeconds(3);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final Cluster cluster;
  private final BooleanSupplier ready;

  private ManagementServer(ActorSystem<?> system, BooleanSupplier ready) {
    this.system = system;
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
        pathPrefix("cluster", () -> concat(
            path("members", () -> get(() -> complete(members()))),
            pathPrefix("shards", () -> path(segment(), type -> get(() -> completeWithFuture(shards(type))))))));
  }

  /** The shards of entity type {@code type} in this node's region, each with its entity ids; 404 for an unknown type. */
  private CompletionStage<HttpResponse> shards(String type) {
    if (!ClusterSharding.get(Adapter.toClassic(system)).getShardTypeNames().contains(type)) {
      return CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND)
          .withEntity(ContentTypes.APPLICATION_JSON, json(JSON.createObjectNode()
              .put("error", "no entity type '" + type + "' runs on this node"))));
    }
    EntityTypeKey<Object> key = EntityTypeKey.create(Object.class, type);
    CompletionStage<ShardRegion.CurrentShardRegionState> state = AskPattern.ask(
        org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(system).shardState(),
        replyTo -> new GetShardRegionState(key, replyTo), SHARDS_TIMEOUT, system.scheduler());
    return state.thenApply(current -> {
      ObjectNode out = JSON.createObjectNode();
      out.put("typeName", type);
      ArrayNode regions = out.putArray("regions");
      current.getShards().stream().sorted(Comparator.comparing(ShardRegion.ShardState::shardId)).forEach(shard -> {
        ObjectNode entry = regions.addObject();
        entry.put("shardId", shard.shardId());
        entry.put("numEntities", shard.getEntityIds().size());
        ArrayNode ids = entry.putArray("entityIds");
        shard.getEntityIds().stream().sorted().forEach(ids::add);
      });
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, json(out));
    }).exceptionally(error -> HttpResponse.create().withStatus(StatusCodes.SERVICE_UNAVAILABLE)
        .withEntity(ContentTypes.APPLICATION_JSON, json(JSON.createObjectNode()
            .put("error", "the shard region did not answer: " + error.getMessage()))));
  }

  private static byte[] json(ObjectNode node) {
    try {
      return JSON.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
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
