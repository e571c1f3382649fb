package io.turnout.node.http;

import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.node.stats.WindowRecorder;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.RoutingTable;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The edge's shadow traffic. When a request is served by its routing table's stable version and
 * the table's mirror samples it, a copy goes, fire and forget, to a ready replica of each mirror
 * version; when both answers are in, the copy's is compared with the primary's
 * ({@link OutputComparison}) and recorded as the candidate's shadow window. The primary never waits:
 * sending a copy is all that happens on the request's path, and when the primary's answer arrives
 * last the comparison moves to {@code background} instead of delaying the reply.
 *
 * <p>Load is bounded per node: at most {@code maxInFlight} copies are outstanding at once, and a
 * copy beyond that is not sent but counted as dropped; nothing is queued. Copies are not requests
 * of the candidate: they count only in its shadow window.
 */
final class Shadows {
  private final Supplier<ServingView> view;
  private final PredictionClient client;
  private final WindowRecorder windows;
  private final Executor background;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();

  Shadows(Supplier<ServingView> view, PredictionClient client, WindowRecorder windows, Executor background,
      int maxInFlight) {
    this.view = view;
    this.client = client;
    this.windows = windows;
    this.background = background;
    this.maxInFlight = maxInFlight;
  }

  /** Copies outstanding now, for tests and metrics. */
  int inFlight() {
    return inFlight.get();
  }

  /**
   * Mirrors {@code request}, which {@code served} answers as {@code primary}, when its model's table
   * routes it to stable and samples it. Call only for requests routed by the table: a request that
   * names its version is not mirrored.
   */
  void mirror(VersionView served, InferenceRequest request, CompletionStage<PredictReply> primary) {
    ServingView current = view.get();
    String model = served.id().model();
    Optional<RoutingTable> table = current.routing(model);
    if (table.isEmpty() || !table.get().mirrors(served.id().version())) return;
    for (long version : table.get().mirror().versions()) {
      if (version == served.id().version()) continue;
      Optional<VersionView> shadow = current.version(new ModelVersionId(model, version)).filter(VersionView::ready);
      // A candidate still loading has nothing to say yet; the phase waits for its replicas.
      if (shadow.isEmpty()) continue;
      if (inFlight.incrementAndGet() > maxInFlight) {
        inFlight.decrementAndGet();
        windows.recordShadowDropped(shadow.get().id());
        continue;
      }
      Copy copy = new Copy(shadow.get().id(), System.nanoTime());
      client.predict(shadow.get(), request).whenComplete(copy::shadowAnswered);
      primary.whenComplete(copy::primaryAnswered);
    }
  }

  /** Where one copy's answer meets the primary's: whichever arrives second records the comparison. */
  private final class Copy {
    private final ModelVersionId version;
    private final long sentNanos;
    private final AtomicInteger arrived = new AtomicInteger();
    // Written before the increment of arrived that the second arrival reads, so visible to it.
    private PredictReply primaryReply;
    private PredictReply shadowReply;
    private long shadowMicros;

    Copy(ModelVersionId version, long sentNanos) {
      this.version = version;
      this.sentNanos = sentNanos;
    }

    void shadowAnswered(PredictReply reply, Throwable failure) {
      shadowMicros = (System.nanoTime() - sentNanos) / 1_000;
      shadowReply = reply != null ? reply : new Rejected(Rejection.FAILED, String.valueOf(failure));
      inFlight.decrementAndGet();
      if (arrived.incrementAndGet() == 2) record();
    }

    void primaryAnswered(PredictReply reply, Throwable failure) {
      primaryReply = reply != null ? reply : new Rejected(Rejection.FAILED, String.valueOf(failure));
      // On the primary's path: comparing here would delay its reply.
      if (arrived.incrementAndGet() == 2) background.execute(this::record);
    }

    private void record() {
      if (shadowReply instanceof Rejected rejected) {
        // Input the primary also refused as invalid is the client's fault, not the candidate's.
        boolean clientsFault = rejected.rejection() == Rejection.INVALID_INPUT
            && primaryReply instanceof Rejected primaryRejected && primaryRejected.rejection() == Rejection.INVALID_INPUT;
        if (!clientsFault) windows.recordShadow(version, shadowMicros, true, null);
        return;
      }
      Predicted shadow = (Predicted) shadowReply;
      // A failed primary, or one that a retry had the candidate itself answer, has nothing to compare with.
      if (!(primaryReply instanceof Predicted primaryPredicted) || primaryPredicted.result().version().equals(version)) {
        windows.recordShadow(version, shadowMicros, false, null);
        return;
      }
      WindowRecorder.Comparison comparison = OutputComparison.compare(primaryPredicted.result(), shadow.result());
      windows.recordShadow(version, shadowMicros, comparison == null, comparison);
    }
  }
}
