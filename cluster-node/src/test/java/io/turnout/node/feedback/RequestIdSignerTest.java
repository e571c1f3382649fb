package io.turnout.node.feedback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.node.feedback.RequestIdSigner.Invalid;
import io.turnout.node.feedback.RequestIdSigner.Valid;
import io.turnout.node.feedback.RequestIdSigner.Verdict;
import io.turnout.protocol.ModelVersionId;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdSignerTest {
  private static final long NOW = 1_800_000_000_000L;
  private static final Duration MAX_AGE = Duration.ofHours(1);
  private static final Duration SKEW = Duration.ofMinutes(1);
  private static final ModelVersionId IRIS_2 = new ModelVersionId("iris", 2);

  private final RequestIdSigner signer = new RequestIdSigner("a cluster secret", MAX_AGE, SKEW);

  private static FeedbackRefusal refusal(Verdict verdict) {
    return assertInstanceOf(Invalid.class, verdict, "refused").reason();
  }

  @Test
  void aSignedIdVerifiesAndNamesItsModelVersionAndIssueTime() {
    String id = signer.sign(IRIS_2, NOW);
    Valid valid = assertInstanceOf(Valid.class, signer.verify(id, NOW + 1_000));
    assertEquals(IRIS_2, valid.version());
    assertEquals(NOW, valid.issuedAtMillis());
    assertTrue(id.matches("[A-Za-z0-9_-]+"), "URL-safe without padding: " + id);
    assertEquals(60, id.length(), "45 bytes for model 'iris': " + id);
  }

  @Test
  void everyModelNameAndVersionRoundTrips() {
    String longest = "m".repeat(128);
    for (ModelVersionId version : new ModelVersionId[] {
        new ModelVersionId("a", 0), new ModelVersionId(longest, Long.MAX_VALUE), new ModelVersionId("x.y-z_1", 7)}) {
      assertEquals(version, assertInstanceOf(Valid.class, signer.verify(signer.sign(version, NOW), NOW)).version());
    }
  }

  @Test
  void idsOfTheSameVersionAtTheSameMomentDifferAndHaveDistinctKeys() {
    Set<String> ids = new HashSet<>();
    Set<Long> keys = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      String id = signer.sign(IRIS_2, NOW);
      ids.add(id);
      keys.add(((Valid) signer.verify(id, NOW)).key());
    }
    assertEquals(1000, ids.size());
    assertEquals(1000, keys.size());
  }

  @Test
  void changingAnyByteOfAnIdBreaksItsSignature() {
    byte[] bytes = Base64.getUrlDecoder().decode(signer.sign(IRIS_2, NOW));
    for (int i = 0; i < bytes.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] tampered = bytes.clone();
        tampered[i] ^= (byte) (1 << bit);
        String id = Base64.getUrlEncoder().withoutPadding().encodeToString(tampered);
        assertEquals(FeedbackRefusal.BAD_SIGNATURE, refusal(signer.verify(id, NOW)), "byte " + i + " bit " + bit);
      }
    }
  }

  @Test
  void changingAnyCharacterOfAnIdIsRefused() {
    String id = signer.sign(new ModelVersionId("iris5", 2), NOW); // 46 bytes: the last character carries spare bits
    for (int i = 0; i < id.length(); i++) {
      for (char c : new char[] {'A', 'f', '9', '-', '_'}) {
        if (id.charAt(i) == c) continue;
        String tampered = id.substring(0, i) + c + id.substring(i + 1);
        FeedbackRefusal reason = refusal(signer.verify(tampered, NOW));
        assertTrue(reason == FeedbackRefusal.BAD_SIGNATURE || reason == FeedbackRefusal.MALFORMED_ID,
            "character " + i + " -> " + c + ": " + reason);
      }
    }
  }

  @Test
  void idsSignedWithAnotherSecretAreRefused() {
    RequestIdSigner other = new RequestIdSigner("another cluster's secret", MAX_AGE, SKEW);
    assertEquals(FeedbackRefusal.BAD_SIGNATURE, refusal(signer.verify(other.sign(IRIS_2, NOW), NOW)));
    // The same secret on another node verifies: the key depends on the secret alone.
    RequestIdSigner sameCluster = new RequestIdSigner("a cluster secret", MAX_AGE, SKEW);
    assertInstanceOf(Valid.class, signer.verify(sameCluster.sign(IRIS_2, NOW), NOW));
  }

  @Test
  void idsOlderThanTheMaxAgeAreRefusedAsExpired() {
    String id = signer.sign(IRIS_2, NOW);
    assertInstanceOf(Valid.class, signer.verify(id, NOW + MAX_AGE.toMillis()));
    Invalid expired = assertInstanceOf(Invalid.class, signer.verify(id, NOW + MAX_AGE.toMillis() + 1));
    assertEquals(FeedbackRefusal.EXPIRED, expired.reason());
    assertTrue(expired.message().contains("3600 s"), expired.message());
  }

  @Test
  void idsFromAClockAheadAreAcceptedWithinTheSkewOnly() {
    assertInstanceOf(Valid.class, signer.verify(signer.sign(IRIS_2, NOW + SKEW.toMillis()), NOW));
    assertEquals(FeedbackRefusal.ISSUED_IN_FUTURE, refusal(signer.verify(signer.sign(IRIS_2, NOW + SKEW.toMillis() + 1), NOW)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "0123456789abcdef", "not base64 at all!", "====", "AAAA",
      "AQAAAaNsBKAA", "%2F%2F", "a b c"})
  void garbageIsRefusedAsMalformed(String garbage) {
    assertEquals(FeedbackRefusal.MALFORMED_ID, refusal(signer.verify(garbage, NOW)));
  }

  @Test
  void nullTooLongPaddedAndNonCanonicalIdsAreRefusedAsMalformed() {
    String id = signer.sign(new ModelVersionId("iris5", 2), NOW);
    assertEquals(FeedbackRefusal.MALFORMED_ID, refusal(signer.verify(null, NOW)));
    assertEquals(FeedbackRefusal.MALFORMED_ID, refusal(signer.verify("A".repeat(10_000), NOW)));
    assertEquals(FeedbackRefusal.MALFORMED_ID, refusal(signer.verify(id + "==", NOW)));
    assertEquals(FeedbackRefusal.MALFORMED_ID, refusal(signer.verify(id.replace('-', '+').replace('_', '/') + "x", NOW)));
    // The same bytes spelled differently (spare bits of the last character set) are not the same id.
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    int last = alphabet.indexOf(id.charAt(id.length() - 1));
    String respelled = id.substring(0, id.length() - 1) + alphabet.charAt(last ^ 1);
    assertNotEquals(id, respelled);
    assertEquals(FeedbackRefusal.MALFORMED_ID, refusal(signer.verify(respelled, NOW)));
  }

  @Test
  void anEmptySecretOrNonPositiveMaxAgeIsRefusedAtStart() {
    assertThrows(IllegalArgumentException.class, () -> new RequestIdSigner("", MAX_AGE, SKEW));
    assertThrows(IllegalArgumentException.class, () -> new RequestIdSigner("s", Duration.ZERO, SKEW));
  }
}
