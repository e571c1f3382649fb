package io.turnout.protocol.rollout;

import io.turnout.protocol.ClusterMessage;

/**
 * The analysis a phase step must pass before it advances, comparing the target version with the
 * stable one over the step's window: at least {@code minSamples} target requests, an error rate at
 * most {@code maxErrorRateIncrease} above stable's (0.01 = one point), and a p99 latency at most
 * {@code maxP99Ratio} times stable's. Failing any of them rolls the rollout back.
 */
public record Gate(long minSamples, double maxErrorRateIncrease, double maxP99Ratio) implements ClusterMessage {

  public static final Gate DEFAULT = new Gate(100, 0.01, 1.5);

  public Gate {
    if (minSamples < 0 || maxErrorRateIncrease < 0 || maxP99Ratio <= 0) {
      throw new IllegalArgumentException("invalid gate: minSamples " + minSamples + ", maxErrorRateIncrease "
          + maxErrorRateIncrease + ", maxP99Ratio " + maxP99Ratio);
    }
  }
}
