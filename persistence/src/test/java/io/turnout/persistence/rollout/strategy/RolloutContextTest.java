package io.turnout.persistence.rollout.strategy;

import static io.turnout.persistence.rollout.strategy.Fixtures.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.turnout.persistence.rollout.strategy.PhaseProgress.Stage;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutContextTest {

  @Test
  void replicaCountsComeFromStableTargetAndOtherArms() {
    RolloutContext ctx = new RolloutContext("iris", 1, 2, "X-User-Id", 3, 2, Map.of(3L, 4));

    assertEquals(3, ctx.replicasOf(1));
    assertEquals(2, ctx.replicasOf(2));
    assertEquals(4, ctx.replicasOf(3));
    assertThrows(IllegalArgumentException.class, () -> ctx.replicasOf(9));
  }

  @Test
  void aRolloutToTheStableVersionOrWithoutReplicasIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RolloutContext("iris", 1, 1, "", 3, 2));
    assertThrows(IllegalArgumentException.class, () -> new RolloutContext("iris", 1, 2, "", 3, 0));
  }

  @Test
  void progressMeasuresElapsedAndRemainingTimeWithoutGoingNegative() {
    PhaseProgress progress = new PhaseProgress(0, Stage.BAKING, T0);

    assertEquals(Duration.ofMinutes(4), progress.elapsed(T0.plusSeconds(240)));
    assertEquals(Duration.ofMinutes(6), progress.remaining(Duration.ofMinutes(10), T0.plusSeconds(240)));
    assertEquals(Duration.ZERO, progress.remaining(Duration.ofMinutes(10), T0.plusSeconds(3600)));
    assertEquals(Duration.ZERO, progress.elapsed(T0.minusSeconds(5)), "a clock that went back is no time at all");
  }
}
