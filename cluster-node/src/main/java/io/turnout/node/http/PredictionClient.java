package io.turnout.node.http;

import io.turnout.node.directory.VersionView;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.protocol.InferenceRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Asks a ready replica of a version for a prediction, one on this node when there is one. A replica
 * that is stopping, failed, or does not answer in time gets one retry on another replica before the
 * caller hears {@link Rejection#UNAVAILABLE}. The retry resolves the version again against the
 * current view, because what made the first replica stop (a rollout moving traffic, a node
 * leaving) has usually changed the routing too.
 */
public final class PredictionClient {
  private final Scheduler scheduler;
  private final Duration timeout;

  public PredictionClient(ActorSystem<?> system, Duration timeout) {
    this.scheduler = system.scheduler();
    this.timeout = timeout;
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
      VersionView now;
      try {
        now = resolveAgain.apply(first);
      } catch (RuntimeException noneServes) {
        return CompletableFuture.completedFuture(reply);
      }
      ActorRef<ModelVersionReplica.Command> second = now.pickReplica(first);
      return second == null || second.equals(first) ? CompletableFuture.completedFuture(reply) : ask(second, request);
    });
  }

  private CompletionStage<PredictReply> ask(ActorRef<ModelVersionReplica.Command> replica, InferenceRequest request) {
    CompletionStage<PredictReply> reply = Stages.plain(AskPattern.ask(replica,
        replyTo -> new ModelVersionReplica.Predict(request, replyTo), timeout, scheduler));
    return reply.exceptionally(error -> new Rejected(Rejection.UNAVAILABLE,
        "no answer from a replica within " + timeout.toMillis() + " ms"));
  }

  private static boolean retryable(PredictReply reply) {
    return reply instanceof Rejected rejected && rejected.rejection() == Rejection.UNAVAILABLE;
  }

  private static Rejected noReplica(VersionView version) {
    return new Rejected(Rejection.UNAVAILABLE, "version " + version.id() + " has no ready replica");
  }
}
