package io.turnout.node.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.turnout.node.feedback.SeenRequestIds.Seen;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SeenRequestIdsTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final Duration MAX_AGE = Duration.ofMinutes(60);

  @Test
  void anIdIsNewOnceAndADuplicateAfterwards() {
    SeenRequestIds seen = new SeenRequestIds(MAX_AGE, 10);
    assertEquals(Seen.FIRST, seen.remember(1, NOW, NOW));
    assertEquals(Seen.AGAIN, seen.remember(1, NOW, NOW + 1));
    assertEquals(Seen.FIRST, seen.remember(2, NOW, NOW + 1));
    assertEquals(Seen.AGAIN, seen.remember(1, NOW, NOW + MAX_AGE.toMillis()), "still remembered at the max age");
  }

  @Test
  void idsAreForgottenOnlyOnceTheyArePastTheMaxAge() {
    SeenRequestIds seen = new SeenRequestIds(MAX_AGE, 10);
    seen.remember(1, NOW, NOW);
    seen.remember(2, NOW + MAX_AGE.toMillis() / 2, NOW + MAX_AGE.toMillis() / 2);
    assertEquals(2, seen.remembered());
    long later = NOW + MAX_AGE.toMillis() + MAX_AGE.toMillis() / SeenRequestIds.SLICES + 1;
    seen.remember(3, later, later);
    assertEquals(2, seen.remembered(), "id 1 is past the max age (refused as expired anyway); 2 and 3 are kept");
    assertEquals(Seen.AGAIN, seen.remember(2, NOW + MAX_AGE.toMillis() / 2, later));
  }

  @Test
  void pastTheLimitNewIdsAreRefusedUntilOldOnesExpire() {
    SeenRequestIds seen = new SeenRequestIds(MAX_AGE, 3);
    for (long id = 1; id <= 3; id++) assertEquals(Seen.FIRST, seen.remember(id, NOW, NOW));
    assertEquals(Seen.FULL, seen.remember(4, NOW, NOW));
    assertEquals(Seen.AGAIN, seen.remember(2, NOW, NOW), "a duplicate is still recognised when full");
    long later = NOW + 2 * MAX_AGE.toMillis();
    assertEquals(Seen.FIRST, seen.remember(4, later, later));
    assertEquals(1, seen.remembered());
  }
}
