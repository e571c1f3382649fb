package io.turnout.ops.lb;

import static io.turnout.ops.lb.ReadinessSync.Answer.NOT_READY;
import static io.turnout.ops.lb.ReadinessSync.Answer.NO_ANSWER;
import static io.turnout.ops.lb.ReadinessSync.Answer.READY;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReadinessSyncTest {
  @Test
  void anAnswerDecidesAtOnce() {
    assertTrue(ReadinessSync.readyAfter(false, READY, 0, 3));
    assertFalse(ReadinessSync.readyAfter(true, NOT_READY, 0, 3), "a draining node's 503 takes it out at once");
  }

  @Test
  void noAnswerTakesAReadyBackendOutOnlyAfterSeveralRoundsInARow() {
    assertTrue(ReadinessSync.readyAfter(true, NO_ANSWER, 1, 3));
    assertTrue(ReadinessSync.readyAfter(true, NO_ANSWER, 2, 3));
    assertFalse(ReadinessSync.readyAfter(true, NO_ANSWER, 3, 3));
    assertFalse(ReadinessSync.readyAfter(false, NO_ANSWER, 1, 3), "a backend not ready stays out");
  }
}
