package io.turnout.persistence.rollout.strategy;

import io.turnout.protocol.rollout.ShadowGate;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Judges what a candidate did as a shadow of the stable version under a {@link ShadowGate}:
 *
 * <ol>
 *   <li>once at least {@code minSamples} copies were sent ({@code mirrored}), a share of failed
 *       copies above {@code maxErrorRate} fails at once: a candidate that fails every copy never
 *       gets a comparison, and must not wait forever for one;
 *   <li>fewer than {@code minSamples} compared copies: {@link GateVerdict.Wait};
 *   <li>argmax agreement below {@code minAgreement} fails; it is judged only when some compared
 *       output was a score per class, since other outputs have no class to agree on;
 *   <li>a shadow p99 above {@code maxP99Ratio} times the stable version's primary p99 fails;
 *   <li>otherwise {@link GateVerdict.Pass}.
 * </ol>
 *
 * <p>As in {@link Gates}, stable is a latency baseline only when it served at least
 * {@code minSamples} requests (and at least one) in the same window; without one latency is not
 * compared. Limits are inclusive, with a tolerance for floating-point rounding, and every failed
 * limit is named.
 */
public final class ShadowGates {
  private static final double TOLERANCE = 1e-9;

  private ShadowGates() {}

  public static GateVerdict evaluate(ShadowGate gate, VersionWindow stable, ShadowStats shadow) {
    List<String> failures = new ArrayList<>();
    String errors = "error rate " + Texts.percent(shadow.errorRate()) + " of " + shadow.mirrored()
        + " copies (max " + Texts.percent(gate.maxErrorRate()) + ")";
    boolean enoughSent = shadow.mirrored() > 0 && shadow.mirrored() >= gate.minSamples();
    if (enoughSent && shadow.errorRate() > gate.maxErrorRate() + TOLERANCE) failures.add(errors);

    if (shadow.compared() < gate.minSamples()) {
      if (!failures.isEmpty()) return new GateVerdict.Fail(String.join("; ", failures));
      return new GateVerdict.Wait(shadow.compared() + " of " + gate.minSamples() + " compared copies so far");
    }

    String agreement;
    if (shadow.classified() > 0) {
      agreement = "agreement " + Texts.percent(shadow.agreement()) + " (min " + Texts.percent(gate.minAgreement()) + ")";
      if (shadow.agreement() < gate.minAgreement() - TOLERANCE) failures.add(agreement);
    } else {
      agreement = "agreement not judged (no output is a score per class)";
    }

    boolean baseline = stable.requests() > 0 && stable.requests() >= gate.minSamples();
    String latency;
    if (baseline) {
      double ratio = shadow.p99Micros() / stable.p99Micros();
      latency = "p99 " + Texts.latency(shadow.p99Micros()) + " vs stable " + Texts.latency(stable.p99Micros())
          + " (" + Texts.ratio(ratio) + ", max " + Texts.ratio(gate.maxP99Ratio()) + ")";
      if (ratio > gate.maxP99Ratio() + TOLERANCE) failures.add(latency);
    } else {
      latency = "p99 " + Texts.latency(shadow.p99Micros()) + " not compared (stable served "
          + (stable.requests() == 0 ? "no requests" : "only " + stable.requests() + ", fewer than " + gate.minSamples())
          + ")";
    }

    String over = " over " + shadow.compared() + " compared copies";
    if (!failures.isEmpty()) return new GateVerdict.Fail(String.join("; ", failures) + over);
    return new GateVerdict.Pass(agreement + ", " + differences(shadow) + ", " + errors + ", " + latency + over);
  }

  /** The outputs' distance from the primary's, for the audit log. */
  static String differences(ShadowStats shadow) {
    return String.format(Locale.ROOT, "mean |diff| %.4g, max |diff| %.4g", shadow.meanAbsDiff(), shadow.maxAbsDiff());
  }
}
