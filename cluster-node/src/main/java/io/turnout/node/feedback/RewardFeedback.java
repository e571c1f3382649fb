package io.turnout.node.feedback;

import io.turnout.node.stats.WindowRecorder;
import io.turnout.protocol.ModelVersionId;
import java.util.function.LongSupplier;

/**
 * Rewards that clients post for predictions, attributed to the version a signed request id names:
 * checks the id and the reward, counts each id once on this node, records accepted rewards in the
 * version's window (which the window reporter sends to the model's coordinator), and counts every
 * outcome. A refused item changes nothing but its counter.
 *
 * <p>Duplicates are detected per node. A client that retries on another node (through a load
 * balancer) could have one reward counted twice; that needs a retry to be sent elsewhere after a
 * node accepted the first attempt, which is rare, and a reward counted twice in thousands shifts a
 * rollout's statistics by less than their noise. Exact cluster-wide detection would put a cluster
 * round trip on every reward.
 */
public final class RewardFeedback {
  private final FeedbackSettings settings;
  private final RequestIdSigner signer;
  private final SeenRequestIds seen;
  private final FeedbackCounters counters = new FeedbackCounters();
  private final WindowRecorder windows;
  private final LongSupplier clock;

  public RewardFeedback(String secret, FeedbackSettings settings, WindowRecorder windows, LongSupplier clockMillis) {
    this.settings = settings;
    this.signer = new RequestIdSigner(secret, settings.maxAge(), settings.maxClockSkew());
    this.seen = new SeenRequestIds(settings.maxAge(), settings.maxRemembered());
    this.windows = windows;
    this.clock = clockMillis;
  }

  public RewardFeedback(String secret, FeedbackSettings settings, WindowRecorder windows) {
    this(secret, settings, windows, System::currentTimeMillis);
  }

  public FeedbackSettings settings() {
    return settings;
  }

  /** Signs the request ids of this node's prediction replies. */
  public RequestIdSigner signer() {
    return signer;
  }

  public FeedbackCounters counters() {
    return counters;
  }

  /** What became of one reward. */
  public sealed interface Outcome permits Accepted, Duplicate, Refused {}

  public record Accepted(ModelVersionId version) implements Outcome {}

  /** The id's reward was already counted on this node; this one is not. */
  public record Duplicate(ModelVersionId version) implements Outcome {}

  public record Refused(FeedbackRefusal reason, String message) implements Outcome {}

  /** One reward for {@code requestId}; {@code reward} must be finite. */
  public Outcome submit(String requestId, double reward) {
    if (!Double.isFinite(reward)) return refuse(FeedbackRefusal.INVALID_REWARD, "reward must be a finite number, got " + reward);
    long now = clock.getAsLong();
    RequestIdSigner.Verdict verdict = signer.verify(requestId, now);
    if (verdict instanceof RequestIdSigner.Invalid invalid) return refuse(invalid.reason(), invalid.message());
    RequestIdSigner.Valid valid = (RequestIdSigner.Valid) verdict;
    switch (seen.remember(valid.key(), valid.issuedAtMillis(), now)) {
      case AGAIN:
        counters.duplicate();
        return new Duplicate(valid.version());
      case FULL:
        return refuse(FeedbackRefusal.OVER_CAPACITY, "this node remembers " + settings.maxRemembered()
            + " request ids for duplicate detection, its limit; retry later");
      default:
        windows.recordReward(valid.version(), reward);
        counters.accepted();
        return new Accepted(valid.version());
    }
  }

  /** Counts and returns a refusal, also for what the routes refuse before an item is read. */
  public Refused refuse(FeedbackRefusal reason, String message) {
    counters.refused(reason);
    return new Refused(reason, message);
  }
}
