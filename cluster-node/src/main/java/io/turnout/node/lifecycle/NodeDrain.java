package io.turnout.node.lifecycle;

import io.turnout.node.directory.PublishedView;
import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.protocol.ModelVersionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's graceful leave, as tasks in Coordinated Shutdown, whatever started it (SIGTERM, the
 * admin API, the JVM's shutdown hook, the actor system terminating):
 * <ol>
 *   <li>{@code before-service-unbind}: readiness turns false at once; the node keeps serving for
 *       the drain period, so load balancers stop sending before the ports close;</li>
 *   <li>{@code service-unbind}, {@code service-requests-done}: the HTTP servers stop accepting
 *       connections and let in-flight requests finish (their own tasks);</li>
 *   <li>{@code before-cluster-shutdown}: wait (bounded) until every version served here has a ready
 *       replica on another node, so the hand-off never takes a version's last ready replica;</li>
 *   <li>{@code cluster-sharding-shutdown-region}, {@code cluster-leave}, …: Pekko hands the
 *       replicas and coordinators off and leaves the cluster; the process exits.</li>
 * </ol>
 * A node the cluster downed or refused skips the waits: the others already count it as gone.
 */
public final class NodeDrain {
  private static final Logger log = LoggerFactory.getLogger(NodeDrain.class);

  private final ActorSystem<?> system;
  private final DrainSettings settings;
  private final PublishedView view;
  private final AtomicBoolean draining = new AtomicBoolean();

  private NodeDrain(ActorSystem<?> system, DrainSettings settings, PublishedView view) {
    this.system = system;
    this.settings = settings;
    this.view = view;
  }

  /** Adds the drain's tasks to the system's Coordinated Shutdown. */
  public static NodeDrain install(ActorSystem<?> system, DrainSettings settings, PublishedView view) {
    NodeDrain drain = new NodeDrain(system, settings, view);
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "turnout-drain-period", drain::drainPeriod);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeClusterShutdown(), "turnout-replicas-elsewhere",
        drain::replicasElsewhere);
    return drain;
  }

  /**
   * Stops {@code senders} (actors that message sharded entities on a timer) when the hand-off
   * begins. A region hands off only once its buffer is empty, and messages for shards being handed
   * off are buffered: a local timer that keeps sending holds the region until its phase times out
   * (10 s on the last node of a cluster, where nothing can take the shards).
   */
  public void stopBeforeHandOff(ActorRef<Senders.Stop> senders) {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeClusterShutdown(), "turnout-stop-senders",
        () -> {
          senders.tell(Senders.Stop.INSTANCE);
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  /** Whether the node has begun to leave: its readiness is false from then on. */
  public boolean draining() {
    return draining.get();
  }

  public DrainSettings settings() {
    return settings;
  }

  /** Starts the leave (once; later calls join the running one). */
  public CompletionStage<Done> start(DrainReason reason) {
    if (draining.compareAndSet(false, true)) log.info("Draining this node: {}", reason);
    return CoordinatedShutdown.get(system).runAll(reason);
  }

  private CompletionStage<Done> drainPeriod() {
    draining.set(true);
    if (refusedOrDowned() || settings.drainPeriod().isZero()) return CompletableFuture.completedFuture(Done.getInstance());
    log.info("Readiness is false; serving {} ms more so load balancers stop sending", settings.drainPeriod().toMillis());
    CompletableFuture<Done> over = new CompletableFuture<>();
    system.scheduler().scheduleOnce(settings.drainPeriod(), () -> over.complete(Done.getInstance()),
        system.executionContext());
    return over;
  }

  private CompletionStage<Done> replicasElsewhere() {
    if (refusedOrDowned()) return CompletableFuture.completedFuture(Done.getInstance());
    long started = System.nanoTime();
    return view.await(view -> alone(view).isEmpty(), settings.replicaWait(), system.scheduler(), system.executionContext())
        .thenApply(seen -> {
          List<ModelVersionId> alone = alone(seen);
          if (alone.isEmpty()) {
            log.info("No version served here waits for a replica on another node (waited {} ms); handing replicas off",
                Duration.ofNanos(System.nanoTime() - started).toMillis());
          } else {
            log.warn("Handing replicas off although versions {} have no ready replica on another node after {} ms;"
                + " requests for them wait until one is ready", alone, settings.replicaWait().toMillis());
          }
          return Done.getInstance();
        });
  }

  /**
   * Versions whose ready replicas are all on this node while another replica of theirs exists
   * (loading elsewhere): handing off now would leave them without a ready replica for a while.
   * A version with no replica elsewhere at all has nothing to wait for.
   */
  static List<ModelVersionId> alone(ServingView view) {
    List<ModelVersionId> alone = new ArrayList<>();
    for (String model : view.models().keySet()) {
      for (VersionView version : view.versions(model)) {
        boolean servedHereOnly = !version.localReady().isEmpty() && version.remoteReady().isEmpty();
        if (servedHereOnly && version.replicasListed() > version.localReady().size()) alone.add(version.id());
      }
    }
    return alone;
  }

  private boolean refusedOrDowned() {
    Optional<CoordinatedShutdown.Reason> reason = CoordinatedShutdown.get(system).getShutdownReason();
    return reason.isPresent() && (reason.get() == CoordinatedShutdown.clusterDowningReason()
        || reason.get() == CoordinatedShutdown.clusterJoinUnsuccessfulReason()
        || reason.get() == CoordinatedShutdown.incompatibleConfigurationDetectedReason());
  }
}
