package io.turnout.node.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * Checks {@code Authorization: Bearer <token>} against the configured token. Both sides are hashed
 * first and the digests compared with {@link MessageDigest#isEqual}, so the time taken depends on
 * neither the token's content nor its length. With no token configured, nothing gets in.
 */
final class BearerAuth {
  enum Outcome { ALLOWED, NOT_CONFIGURED, MISSING, WRONG }

  private final byte[] expected;

  BearerAuth(Optional<String> token) {
    this.expected = token.filter(t -> !t.isBlank()).map(BearerAuth::digest).orElse(null);
  }

  boolean configured() {
    return expected != null;
  }

  Outcome check(Optional<String> authorization) {
    if (expected == null) return Outcome.NOT_CONFIGURED;
    if (authorization.isEmpty()) return Outcome.MISSING;
    String value = authorization.get().strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).toLowerCase(Locale.ROOT).equals("bearer")) return Outcome.MISSING;
    byte[] presented = digest(value.substring(space + 1).strip());
    return MessageDigest.isEqual(presented, expected) ? Outcome.ALLOWED : Outcome.WRONG;
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
