package io.turnout.node.http;

import io.turnout.node.cluster.UnreachableNodes;
import io.turnout.node.cluster.UnreachableNodes.NodeUnreachable;
import io.turnout.node.directory.VersionView;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.protocol.InferenceRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Asks a ready replica of a version for a prediction, one on this node when there is one. A replica
 * that is stopping (handing off to another node), failed, or does not answer in time gets one
 * retry on another replica before the caller hears {@link Rejection#UNAVAILABLE}. The retry
 * resolves the version again against the current view, because what made the first replica stop
 * (a rollout moving traffic, a node leaving) has usually changed the routing too. When no other
 * replica is ready yet (the only one is moving to another node), the retry waits for one, up to
 * the edge's wait-for-replica. An ask to a node that becomes unreachable ends then, not at the
 * timeout.
 */
public final class PredictionClient {
  /** Completes when {@code condition} holds or a bounded wait is over, whichever is first. */
  @FunctionalInterface
  public interface Waiting {
    CompletionStage<?> until(BooleanSupplier condition);

    Waiting NONE = condition -> CompletableFuture.completedFuture(null);
  }

  private final Scheduler scheduler;
  private final Duration timeout;
  private final Waiting waiting;
  private final UnreachableNodes unreachable;

  public PredictionClient(ActorSystem<?> system, Duration timeout) {
    this(system, timeout, Waiting.NONE, UnreachableNodes.ignoring());
  }

  public PredictionClient(ActorSystem<?> system, Duration timeout, Waiting waiting, UnreachableNodes unreachable) {
    this.scheduler = system.scheduler();
    this.timeout = timeout;
    this.waiting = waiting;
    this.unreachable = unreachable;
  }

  public CompletionStage<PredictReply> predict(VersionView version, InferenceRequest request) {
    return predict(version, refused -> version, request);
  }

  /**
   * Predicts on {@code version}; a retry asks {@code resolveAgain} which version serves now without
   * the replica that refused. A request answered by the retry carries the answering version.
   */
  public CompletionStage<PredictReply> predict(VersionView version,
      Function<ActorRef<ModelVersionReplica.Command>, VersionView> resolveAgain, InferenceRequest request) {
    ActorRef<ModelVersionReplica.Command> first = version.pickReplica(null);
    if (first == null) return CompletableFuture.completedFuture(noReplica(version));
    return ask(first, request).thenCompose(reply -> {
      if (!retryable(reply)) return CompletableFuture.completedFuture(reply);
      ActorRef<ModelVersionReplica.Command> second = another(resolveAgain, first);
      if (second != null) return ask(second, request);
      return waiting.until(() -> another(resolveAgain, first) != null).thenCompose(waited -> {
        ActorRef<ModelVersionReplica.Command> late = another(resolveAgain, first);
        return late == null ? CompletableFuture.completedFuture(reply) : ask(late, request);
      });
    });
  }

  /** A ready replica other than {@code refused} of the version that serves now; null when there is none. */
  private static ActorRef<ModelVersionReplica.Command> another(
      Function<ActorRef<ModelVersionReplica.Command>, VersionView> resolveAgain,
      ActorRef<ModelVersionReplica.Command> refused) {
    VersionView now;
    try {
      now = resolveAgain.apply(refused);
    } catch (RuntimeException noneServes) {
      return null;
    }
    ActorRef<ModelVersionReplica.Command> second = now.pickReplica(refused);
    return second == null || second.equals(refused) ? null : second;
  }

  private CompletionStage<PredictReply> ask(ActorRef<ModelVersionReplica.Command> replica, InferenceRequest request) {
    CompletionStage<PredictReply> reply = unreachable.guard(replica.path().address(), Stages.plain(AskPattern.ask(replica,
        replyTo -> new ModelVersionReplica.Predict(request, replyTo), timeout, scheduler)));
    return reply.exceptionally(error -> new Rejected(Rejection.UNAVAILABLE, error instanceof NodeUnreachable
        ? "the replica's " + error.getMessage()
        : "no answer from a replica within " + timeout.toMillis() + " ms"));
  }

  private static boolean retryable(PredictReply reply) {
    return reply instanceof Rejected rejected && rejected.rejection() == Rejection.UNAVAILABLE;
  }

  private static Rejected noReplica(VersionView version) {
    return new Rejected(Rejection.UNAVAILABLE, "version " + version.id() + " has no ready replica");
  }
}
