package io.turnout.node.feedback;

import com.typesafe.config.Config;
import java.time.Duration;

/** Reward feedback's settings, from {@code turnout.feedback}. */
public record FeedbackSettings(Duration maxAge, Duration maxClockSkew, int maxBatch, long maxBody, long maxRemembered) {

  public FeedbackSettings {
    if (maxBatch <= 0) throw new IllegalArgumentException("turnout.feedback.max-batch must be positive: " + maxBatch);
  }

  public static FeedbackSettings fromConfig(Config feedback) {
    return new FeedbackSettings(
        feedback.getDuration("max-age"),
        feedback.getDuration("max-clock-skew"),
        feedback.getInt("max-batch"),
        feedback.getBytes("max-body"),
        feedback.getLong("max-remembered"));
  }
}
