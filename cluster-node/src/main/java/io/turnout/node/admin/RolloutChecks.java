package io.turnout.node.admin;

import io.turnout.node.admin.ModelFacts.VersionFacts;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.rollout.PhaseSpec;
import io.turnout.protocol.rollout.RolloutPlan;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.TargetingRule;
import io.turnout.protocol.rollout.WeightedVersion;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the admin API checks of a plan against the model's registered versions before the
 * coordinator sees it, and the facts it hands the coordinator with it. Pure.
 */
public final class RolloutChecks {
  private RolloutChecks() {}

  /**
   * The {@code StartRollout} arguments besides the plan.
   *
   * @param currentStable the version serving today (0 when none is, which the coordinator refuses
   *     unless it has a stable version of its own)
   */
  public record StartArgs(long currentStable, int stableReplicas, int targetReplicas, Map<Long, Integer> armReplicas) {}

  /**
   * Checks {@code plan} against {@code model}: the target must be registered, not have failed to
   * load and not be the stable version; versions that phases name (A/B arms and rules, shadow
   * candidates, bandit arms) must be registered and loadable. The stable version is {@code coordinatorStable}
   * (the coordinator's own, when it has one: 0 otherwise), else the routing table's, else the newest
   * AVAILABLE version other than the target; the coordinator's comes first because this node's copy
   * of the table may lag behind it. A shadow candidate must not be the stable version. Throws a 422
   * {@link Problem} naming the field otherwise.
   */
  public static StartArgs check(RolloutPlan plan, ModelFacts model, long coordinatorStable) {
    checkVersions(plan, model);
    long target = plan.targetVersion();
    long stable = Optional.of(coordinatorStable).filter(version -> version > 0)
        .or(() -> model.routing().map(RoutingTable::stableVersion))
        .or(() -> newestAvailableOtherThan(model, target))
        .orElse(0L);
    if (stable == target) {
      throw Problem.invalid("/targetVersion", "version " + target + " is already the stable version of model '"
          + model.model() + "'");
    }
    refuseStableShadowingItself(plan, stable);
    int targetReplicas = model.version(target).orElseThrow().registeredReplicas();
    int stableReplicas = model.version(stable).map(VersionFacts::registeredReplicas).orElse(targetReplicas);
    Map<Long, Integer> armReplicas = new HashMap<>();
    forEachNamedVersion(plan, (version, pointer, what) -> {
      if (version != stable && version != target) {
        armReplicas.put(version, model.version(version).orElseThrow().registeredReplicas());
      }
    });
    return new StartArgs(stable, stableReplicas, targetReplicas, armReplicas);
  }

  /**
   * The checks that need no stable version, for before the coordinator is asked: the target and
   * every version a phase names must be registered and not have failed to load.
   */
  public static void checkVersions(RolloutPlan plan, ModelFacts model) {
    long target = plan.targetVersion();
    VersionFacts targetFacts = model.version(target).orElseThrow(() -> Problem.invalid("/targetVersion",
        "version " + target + " of model '" + model.model() + "' is not registered (registered: "
            + model.versionList() + "); register it with PUT /admin/models/" + model.model() + "/versions/" + target));
    refuseFailed(targetFacts, model, "/targetVersion", "target version");
    forEachNamedVersion(plan, (version, pointer, what) -> {
      VersionFacts facts = model.version(version).orElseThrow(() -> Problem.invalid(pointer, what + " names version "
          + version + ", which is not registered for model '" + model.model() + "' (registered: "
          + model.versionList() + ")"));
      refuseFailed(facts, model, pointer, what + " version");
    });
  }

  private interface NamedVersionCheck {
    void check(long version, String pointer, String what);
  }

  private static void forEachNamedVersion(RolloutPlan plan, NamedVersionCheck check) {
    for (int i = 0; i < plan.phases().size(); i++) {
      PhaseSpec phase = plan.phases().get(i);
      String at = "/phases/" + i;
      String name = "phase " + (i + 1) + " (" + phase.kind() + ")";
      if (phase instanceof PhaseSpec.AbTest ab) {
        for (WeightedVersion arm : ab.arms()) check.check(arm.version(), at + "/arms/" + arm.version(), name + ": arm");
        for (int r = 0; r < ab.rules().size(); r++) {
          TargetingRule rule = ab.rules().get(r);
          check.check(rule.version(), at + "/rules/" + r + "/version", name + ": rule " + (r + 1));
        }
      } else if (phase instanceof PhaseSpec.Shadow shadow) {
        for (int c = 0; c < shadow.candidates().size(); c++) {
          check.check(shadow.candidates().get(c), at + "/candidates/" + c, name + ": candidate");
        }
      } else if (phase instanceof PhaseSpec.Bandit bandit) {
        for (int a = 0; a < bandit.arms().size(); a++) check.check(bandit.arms().get(a), at + "/arms/" + a, name + ": arm");
      }
    }
  }

  private static void refuseStableShadowingItself(RolloutPlan plan, long stable) {
    for (int i = 0; i < plan.phases().size(); i++) {
      if (plan.phases().get(i) instanceof PhaseSpec.Shadow shadow && shadow.candidates().contains(stable)) {
        throw Problem.invalid("/phases/" + i + "/candidates/" + shadow.candidates().indexOf(stable), "phase " + (i + 1)
            + " (shadow) names version " + stable + " as a candidate, but it is the stable version and would shadow itself");
      }
    }
  }

  private static Optional<Long> newestAvailableOtherThan(ModelFacts model, long target) {
    return model.versions().stream()
        .filter(v -> v.version() != target && v.state() == VersionState.AVAILABLE)
        .map(VersionFacts::version)
        .max(Comparator.naturalOrder());
  }

  private static void refuseFailed(VersionFacts version, ModelFacts model, String pointer, String what) {
    if (version.state() == VersionState.FAILED) {
      throw Problem.invalid(pointer, what + " " + version.version() + " of model '" + model.model()
          + "' failed to load: " + version.failure());
    }
  }
}
