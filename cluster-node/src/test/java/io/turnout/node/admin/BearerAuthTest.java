package io.turnout.node.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.turnout.node.admin.BearerAuth.Outcome;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BearerAuthTest {
  private final BearerAuth auth = new BearerAuth(Optional.of("s3cret-token"));

  @Test
  void letsTheRightTokenIn() {
    assertEquals(Outcome.ALLOWED, auth.check(Optional.of("Bearer s3cret-token")));
    assertEquals(Outcome.ALLOWED, auth.check(Optional.of("bearer  s3cret-token ")), "the scheme is case-insensitive");
  }

  @Test
  void refusesAWrongToken() {
    assertEquals(Outcome.WRONG, auth.check(Optional.of("Bearer s3cret-tokeN")));
    assertEquals(Outcome.WRONG, auth.check(Optional.of("Bearer s3cret")));
    assertEquals(Outcome.WRONG, auth.check(Optional.of("Bearer s3cret-token-and-more")));
  }

  @Test
  void refusesRequestsWithoutABearerToken() {
    assertEquals(Outcome.MISSING, auth.check(Optional.empty()));
    assertEquals(Outcome.MISSING, auth.check(Optional.of("Basic YWRtaW46YWRtaW4=")));
    assertEquals(Outcome.MISSING, auth.check(Optional.of("s3cret-token")));
  }

  @Test
  void withNoTokenConfiguredNothingGetsIn() {
    BearerAuth open = new BearerAuth(Optional.empty());
    assertFalse(open.configured());
    assertEquals(Outcome.NOT_CONFIGURED, open.check(Optional.of("Bearer ")));
    assertEquals(Outcome.NOT_CONFIGURED, open.check(Optional.of("Bearer anything")));
    assertEquals(Outcome.NOT_CONFIGURED, new BearerAuth(Optional.of("  ")).check(Optional.of("Bearer   ")));
  }
}
