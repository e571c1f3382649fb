package io.turnout.node.stats;

import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.persistence.rollout.RolloutCoordinator;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;
import io.turnout.protocol.rollout.VersionWindow;

/**
 * Every interval, sends each model's coordinator what this node's edge saw of its versions, with
 * the ready replicas per version this node knows of. Only models with a routing table are
 * reported: a model that never had a rollout has no coordinator to wake.
 */
public final class WindowReporter {
  private WindowReporter() {}

  private enum Tick implements NoSerializationVerificationNeeded { INSTANCE }

  public static Behavior<Object> create(WindowRecorder recorder, Supplier<ServingView> view, Duration interval) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Tick.INSTANCE, interval);
      ClusterSharding sharding = ClusterSharding.get(context.getSystem());
      String node = Cluster.get(context.getSystem()).selfMember().address().toString();
      return Behaviors.receiveMessage(tick -> {
        Map<String, Map<Long, VersionWindow>> windows = recorder.drain();
        ServingView current = view.get();
        for (String model : current.routing().keySet()) {
          Map<Long, Integer> ready = new HashMap<>();
          for (VersionView version : current.versions(model)) {
            ready.put(version.id().version(), version.localReady().size() + version.remoteReady().size());
          }
          sharding.entityRefFor(RolloutCoordinator.ENTITY_KEY, model)
              .tell(new RolloutCoordinator.ReportWindows(node, windows.getOrDefault(model, Map.of()), ready));
        }
        return Behaviors.same();
      });
    }));
  }
}
