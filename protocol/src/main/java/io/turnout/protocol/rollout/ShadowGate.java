package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/**
 * What a shadow phase asks of each candidate before it completes: at least {@code minSamples}
 * compared copies, argmax agreement with the primary of at least {@code minAgreement} (0..1;
 * ignored for outputs that are not per-class scores), a shadow p99 at most {@code maxP99Ratio}
 * times the primary's, and at most {@code maxErrorRate} of its copies failing. Failing any rolls
 * the rollout back before a single user saw the candidate.
 */
public record ShadowGate(long minSamples, double minAgreement, double maxP99Ratio, double maxErrorRate)
    implements ClusterMessage {

  public static final ShadowGate DEFAULT = new ShadowGate(100, 0.9, 2.0, 0.01);

  public ShadowGate {
    if (minSamples < 0 || minAgreement < 0 || minAgreement > 1 || maxP99Ratio <= 0 || maxErrorRate < 0
        || maxErrorRate > 1) {
      throw new IllegalArgumentException("invalid shadow gate: minSamples " + minSamples + ", minAgreement "
          + minAgreement + ", maxP99Ratio " + maxP99Ratio + ", maxErrorRate " + maxErrorRate);
    }
  }
}
