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
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Asks a ready replica of a version for a prediction, one on this node when there is one. A replica
 * that is stopping, failed, or does not answer in time gets one retry on another replica before the
 * caller hears {@link Rejection#UNAVAILABLE}.
 */
public final class PredictionClient {
  private final Scheduler scheduler;
  private final Duration timeout;

  public PredictionClient(ActorSystem<?> system, Duration timeout) {
    this.scheduler = system.scheduler();
    this.timeout = timeout;
  }

  public CompletionStage<PredictReply> predict(VersionView version, InferenceRequest request) {
    ActorRef<ModelVersionReplica.Command> first = version.pickReplica(null);
    if (first == null) return CompletableFuture.completedFuture(noReplica(version));
    return ask(first, request).thenCompose(reply -> {
      if (!retryable(reply)) return CompletableFuture.completedFuture(reply);
      ActorRef<ModelVersionReplica.Command> second = version.pickReplica(first);
      return second == null || second.equals(first) ? CompletableFuture.completedFuture(reply) : ask(second, request);
    });
  }

  private CompletionStage<PredictReply> ask(ActorRef<ModelVersionReplica.Command> replica, InferenceRequest request) {
    CompletionStage<PredictReply> reply = AskPattern.ask(replica,
        replyTo -> new ModelVersionReplica.Predict(request, replyTo), timeout, scheduler);
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
