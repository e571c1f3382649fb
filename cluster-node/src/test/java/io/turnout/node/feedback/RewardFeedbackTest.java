package io.turnout.node.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.feedback.RewardFeedback.Accepted;
import io.turnout.node.feedback.RewardFeedback.Duplicate;
import io.turnout.node.feedback.RewardFeedback.Refused;
import io.turnout.node.stats.WindowRecorder;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.rollout.RewardStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RewardFeedbackTest {
  private static final long START = 1_800_000_000_000L;
  private static final ModelVersionId IRIS_1 = new ModelVersionId("iris", 1);
  private static final ModelVersionId IRIS_2 = new ModelVersionId("iris", 2);

  private final AtomicLong clock = new AtomicLong(START);
  private final WindowRecorder windows = new WindowRecorder();
  private final RewardFeedback feedback = new RewardFeedback("secret",
      new FeedbackSettings(Duration.ofMinutes(10), Duration.ofSeconds(5), 100, 65_536, 1_000), windows, clock::get);

  private RewardStats drainedRewards(ModelVersionId version) {
    Map<Long, VersionWindow> model = windows.drain().getOrDefault(version.model(), Map.of());
    VersionWindow window = model.get(version.version());
    return window == null ? RewardStats.NONE : window.rewards();
  }

  @Test
  void rewardsCountForTheVersionTheIdNamesOncePerId() {
    String first = feedback.signer().sign(IRIS_2, START);
    String second = feedback.signer().sign(IRIS_2, START);
    String other = feedback.signer().sign(IRIS_1, START);
    assertEquals(new Accepted(IRIS_2), feedback.submit(first, 1));
    assertEquals(new Duplicate(IRIS_2), feedback.submit(first, 1));
    assertEquals(new Duplicate(IRIS_2), feedback.submit(first, 0), "a duplicate with another reward changes nothing");
    assertEquals(new Accepted(IRIS_2), feedback.submit(second, 0.5));
    assertEquals(new Accepted(IRIS_1), feedback.submit(other, 0));

    assertEquals(new RewardStats(2, 1.5, 1.25), drainedRewards(IRIS_2));
    FeedbackCounters.Snapshot counts = feedback.counters().snapshot();
    assertEquals(3, counts.accepted());
    assertEquals(2, counts.duplicates());
    assertEquals(0, counts.refusedTotal());
  }

  @Test
  void refusedFeedbackChangesNothingButItsCounter() {
    String id = feedback.signer().sign(IRIS_2, START);
    Refused nan = assertInstanceOf(Refused.class, feedback.submit(id, Double.NaN));
    assertEquals(FeedbackRefusal.INVALID_REWARD, nan.reason());
    assertEquals(FeedbackRefusal.INVALID_REWARD,
        assertInstanceOf(Refused.class, feedback.submit(id, Double.POSITIVE_INFINITY)).reason());
    String forged = new RequestIdSigner("guessed", Duration.ofMinutes(10), Duration.ZERO).sign(IRIS_2, START);
    assertEquals(FeedbackRefusal.BAD_SIGNATURE, assertInstanceOf(Refused.class, feedback.submit(forged, 1)).reason());
    assertEquals(FeedbackRefusal.MALFORMED_ID, assertInstanceOf(Refused.class, feedback.submit("0123456789abcdef", 1)).reason());
    assertEquals(RewardStats.NONE, drainedRewards(IRIS_2));

    // The id whose reward was refused is still unused: a valid reward for it counts.
    assertEquals(new Accepted(IRIS_2), feedback.submit(id, 1));
    FeedbackCounters.Snapshot counts = feedback.counters().snapshot();
    assertEquals(2, counts.refused(FeedbackRefusal.INVALID_REWARD));
    assertEquals(1, counts.refused(FeedbackRefusal.BAD_SIGNATURE));
    assertEquals(1, counts.refused(FeedbackRefusal.MALFORMED_ID));
    assertEquals(1, counts.accepted());
  }

  @Test
  void feedbackPastTheMaxAgeIsRefusedAsExpired() {
    String id = feedback.signer().sign(IRIS_2, START);
    clock.set(START + Duration.ofMinutes(10).toMillis() + 1);
    Refused expired = assertInstanceOf(Refused.class, feedback.submit(id, 1));
    assertEquals(FeedbackRefusal.EXPIRED, expired.reason());
    assertTrue(expired.message().contains("600 s"), expired.message());
    assertEquals(1, feedback.counters().snapshot().refused(FeedbackRefusal.EXPIRED));
  }

  @Test
  void pastTheDuplicateMemoryNewIdsAreRefusedWithOverCapacity() {
    RewardFeedback small = new RewardFeedback("secret",
        new FeedbackSettings(Duration.ofMinutes(10), Duration.ZERO, 100, 65_536, 2), windows, clock::get);
    String third = small.signer().sign(IRIS_2, START);
    small.submit(small.signer().sign(IRIS_2, START), 1);
    small.submit(small.signer().sign(IRIS_2, START), 1);
    assertEquals(FeedbackRefusal.OVER_CAPACITY, assertInstanceOf(Refused.class, small.submit(third, 1)).reason());
    assertEquals(new RewardStats(2, 2, 2), drainedRewards(IRIS_2));
  }
}
