package io.turnout.node.placement;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.dispatch.Futures;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Sharding's allocation strategy for replicas, a thin adapter over {@link ReplicaPlacement}. It
 * rebalances only while the cluster is calm (every member Up, none unreachable): during a rolling
 * restart nodes come and go, and a move then would only be undone by the next one.
 */
public final class ReplicaAllocationStrategy extends ShardCoordinator.AbstractShardAllocationStrategy
    implements ShardCoordinator.ActorSystemDependentAllocationStrategy {
  private final ReplicaPlacement<ActorRef> placement = new ReplicaPlacement<>(ActorRef::compareTo);
  private final int maxMovesInProgress;
  private volatile Cluster cluster;

  /** @param maxMovesInProgress replicas being moved at once, cluster-wide */
  public ReplicaAllocationStrategy(int maxMovesInProgress) {
    this.maxMovesInProgress = maxMovesInProgress;
  }

  @Override
  public void start(ActorSystem system) {
    cluster = Cluster.get(system);
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId,
      Map<ActorRef, IndexedSeq<String>> currentShardAllocations) {
    return Futures.successful(placement.allocate(shardId, asJava(currentShardAllocations)));
  }

  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> currentShardAllocations,
      Set<String> rebalanceInProgress) {
    if (!calm(currentShardAllocations.keySet())) return Futures.successful(Set.of());
    return Futures.successful(placement.rebalance(asJava(currentShardAllocations), rebalanceInProgress,
        maxMovesInProgress));
  }

  /** Every member Up and reachable, and every region on one of them. */
  private boolean calm(Set<ActorRef> regions) {
    Cluster members = cluster;
    if (members == null) return false;
    ClusterEvent.CurrentClusterState state = members.state();
    if (!state.getUnreachable().isEmpty()) return false;
    Set<Address> up = new java.util.HashSet<>();
    for (Member member : state.getMembers()) {
      if (member.status() != MemberStatus.up()) return false;
      up.add(member.address());
    }
    for (ActorRef region : regions) {
      Address address = region.path().address();
      if (!up.contains(address.hasGlobalScope() ? address : members.selfAddress())) return false;
    }
    return true;
  }

  private static Map<ActorRef, Collection<String>> asJava(Map<ActorRef, IndexedSeq<String>> allocations) {
    Map<ActorRef, Collection<String>> converted = new LinkedHashMap<>();
    allocations.forEach((region, shards) -> converted.put(region, CollectionConverters.asJava(shards)));
    return converted;
  }
}
