package io.turnout.node.cluster;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Asks in flight to other nodes, by node, answered at once when their node becomes unreachable.
 * A crashed node's failure detector fires in a few seconds, while the ask timeout is sized for slow
 * models (10 s): without this, every request in flight to a killed node, or sent to it before the
 * Receptionist dropped its replicas, waited out the whole timeout before its retry elsewhere.
 */
public final class UnreachableNodes {

  /** Why an ask ended early: the node of the actor it asked is unreachable. */
  public static final class NodeUnreachable extends RuntimeException {
    NodeUnreachable(Address node) {
      super("node " + node + " is unreachable", null, false, false);
    }
  }

  private final ConcurrentHashMap<Address, Set<CompletableFuture<?>>> inFlight = new ConcurrentHashMap<>();
  private volatile Set<Address> unreachable = Set.of();

  /** Follows the cluster's reachability in {@code system}. */
  public static UnreachableNodes following(ActorSystem<?> system) {
    UnreachableNodes nodes = new UnreachableNodes();
    system.systemActorOf(nodes.subscriber(), "unreachable-nodes", Props.empty());
    return nodes;
  }

  /** Following no cluster: asks end only by their own reply or timeout (a node of its own). */
  public static UnreachableNodes ignoring() {
    return new UnreachableNodes();
  }

  private UnreachableNodes() {}

  /**
   * Ends {@code reply} with {@link NodeUnreachable} if {@code node} is or becomes unreachable before
   * it completes; a local ask ({@code node} without host) is left alone.
   */
  public <T> CompletableFuture<T> guard(Address node, CompletableFuture<T> reply) {
    if (!node.hasGlobalScope()) return reply;
    Set<CompletableFuture<?>> asks = inFlight.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet());
    asks.add(reply);
    reply.whenComplete((value, error) -> asks.remove(reply));
    // Added before looking, so that a node turning unreachable meanwhile cannot miss this ask.
    if (unreachable.contains(node)) reply.completeExceptionally(new NodeUnreachable(node));
    return reply;
  }

  void unreachable(Address node) {
    Set<Address> more = new HashSet<>(unreachable);
    more.add(node);
    unreachable = Set.copyOf(more);
    Set<CompletableFuture<?>> asks = inFlight.get(node);
    if (asks != null) for (CompletableFuture<?> ask : asks) ask.completeExceptionally(new NodeUnreachable(node));
  }

  void reachable(Address node) {
    Set<Address> fewer = new HashSet<>(unreachable);
    fewer.remove(node);
    unreachable = Set.copyOf(fewer);
  }

  void removed(Address node) {
    reachable(node);
    Set<CompletableFuture<?>> asks = inFlight.remove(node);
    if (asks != null) for (CompletableFuture<?> ask : asks) ask.completeExceptionally(new NodeUnreachable(node));
  }

  private Behavior<ClusterEvent.ClusterDomainEvent> subscriber() {
    return Behaviors.setup(context -> {
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(context.getSelf().<ClusterEvent.ReachabilityEvent>narrow(),
          ClusterEvent.ReachabilityEvent.class));
      cluster.subscriptions().tell(Subscribe.create(context.getSelf().<ClusterEvent.MemberRemoved>narrow(),
          ClusterEvent.MemberRemoved.class));
      return Behaviors.receive(ClusterEvent.ClusterDomainEvent.class)
          .onMessage(ClusterEvent.UnreachableMember.class, event -> {
            unreachable(event.member().address());
            return Behaviors.same();
          })
          .onMessage(ClusterEvent.ReachableMember.class, event -> {
            reachable(event.member().address());
            return Behaviors.same();
          })
          .onMessage(ClusterEvent.MemberRemoved.class, event -> {
            removed(event.member().address());
            return Behaviors.same();
          })
          .build();
    });
  }
}
