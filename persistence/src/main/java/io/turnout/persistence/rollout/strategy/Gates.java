package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.Gate;
import io.turnout.protocol.rollout.VersionWindow;
import java.util.ArrayList;
import java.util.List;

/**
 * Judges a target version's window against the stable version's under a {@link Gate}, in this
 * order:
 *
 * <ol>
 *   <li>fewer than {@code minSamples} target requests: {@link GateVerdict.Wait};
 *   <li>target error rate minus stable's above {@code maxErrorRateIncrease}: {@link GateVerdict.Fail};
 *   <li>target p99 above {@code maxP99Ratio} times stable's: {@link GateVerdict.Fail};
 *   <li>otherwise {@link GateVerdict.Pass}.
 * </ol>
 *
 * <p><b>No stable baseline.</b> Stable counts as a baseline only when it served at least
 * {@code minSamples} requests (and at least one) in the same window: the evidence the gate asks of
 * the target. Without one (blue-green before or after the switch, a 100 % canary step, an A/B
 * test that leaves stable out) the target's error rate is compared with zero, so it may be at most
 * {@code maxErrorRateIncrease} in absolute terms, and latency is not compared at all, since a ratio
 * needs something to divide by. A handful of stragglers on stable never sets a lax baseline.
 *
 * <p>Limits are inclusive ("at most"), with a tolerance for floating-point rounding. When both
 * limits fail the reason names both.
 */
public final class Gates {
  private static final double TOLERANCE = 1e-9;

  private Gates() {}

  public static GateVerdict evaluate(Gate gate, VersionWindow stable, VersionWindow target) {
    if (target.requests() < gate.minSamples()) {
      return new GateVerdict.Wait(target.requests() + " of " + gate.minSamples() + " target requests so far");
    }
    boolean baseline = stable.requests() > 0 && stable.requests() >= gate.minSamples();
    List<String> failures = new ArrayList<>();

    double increase = target.errorRate() - (baseline ? stable.errorRate() : 0);
    String errors = baseline
        ? "error rate " + Texts.percent(target.errorRate()) + " vs stable " + Texts.percent(stable.errorRate())
            + " (max +" + Texts.points(gate.maxErrorRateIncrease()) + ")"
        : "error rate " + Texts.percent(target.errorRate()) + " with no stable baseline (max "
            + Texts.percent(gate.maxErrorRateIncrease()) + ")";
    if (increase > gate.maxErrorRateIncrease() + TOLERANCE) failures.add(errors);

    String latency;
    if (baseline) {
      double ratio = target.p99Micros() / stable.p99Micros();
      latency = "p99 " + Texts.latency(target.p99Micros()) + " vs stable " + Texts.latency(stable.p99Micros())
          + " (" + Texts.ratio(ratio) + ", max " + Texts.ratio(gate.maxP99Ratio()) + ")";
      if (ratio > gate.maxP99Ratio() + TOLERANCE) failures.add(latency);
    } else {
      latency = "p99 " + Texts.latency(target.p99Micros()) + " not compared (stable served "
          + (stable.requests() == 0 ? "no requests" : "only " + stable.requests() + ", fewer than " + gate.minSamples())
          + ")";
    }

    String over = " over " + target.requests() + " target requests";
    return failures.isEmpty()
        ? new GateVerdict.Pass(errors + ", " + latency + over)
        : new GateVerdict.Fail(String.join("; ", failures) + over);
  }
}
