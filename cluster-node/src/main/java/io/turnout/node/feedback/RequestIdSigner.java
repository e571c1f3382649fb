package io.turnout.node.feedback;

import io.turnout.protocol.ModelVersionId;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed request ids: the {@code Turnout-Request-Id} of a prediction reply names the model version
 * that answered and when, so that reward feedback for it can be attributed without any lookup and
 * cannot be forged without the cluster secret.
 *
 * <p>A token is the base64url (no padding) of
 * {@code [format 1 byte][issued at, epoch ms, 8][nonce, 8][version, 8][model name, UTF-8][tag, 16]}
 * where the tag is HMAC-SHA256 over everything before it, truncated to 128 bits (as RFC 4868 does),
 * under a key derived from the secret so that other uses of the secret never produce a valid tag.
 * Signing is lock-free: each thread keeps its own {@link Mac}.
 */
public final class RequestIdSigner {
  static final byte FORMAT = 1;
  static final int HEADER = 1 + 8 + 8 + 8;
  static final int TAG = 16;
  private static final int MAX_MODEL_BYTES = 128;
  private static final int MIN_BYTES = HEADER + 1 + TAG;
  private static final int MAX_BYTES = HEADER + MAX_MODEL_BYTES + TAG;
  private static final int MAX_CHARS = (MAX_BYTES * 4 + 2) / 3;
  private static final String ALGORITHM = "HmacSHA256";
  private static final byte[] KEY_PURPOSE = "turnout/request-id/v1".getBytes(StandardCharsets.US_ASCII);
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;
  private final long maxAgeMillis;
  private final long maxSkewMillis;

  /**
   * @param secret the cluster secret, shared by every node
   * @param maxAge ids older than this are refused as expired
   * @param maxClockSkew ids issued up to this far in the future (another node's clock) are accepted
   */
  public RequestIdSigner(String secret, Duration maxAge, Duration maxClockSkew) {
    if (secret == null || secret.isEmpty()) throw new IllegalArgumentException("the cluster secret must not be empty");
    if (maxAge.isNegative() || maxAge.isZero()) throw new IllegalArgumentException("max-age must be positive: " + maxAge);
    if (maxClockSkew.isNegative()) throw new IllegalArgumentException("max-clock-skew must not be negative: " + maxClockSkew);
    this.key = new SecretKeySpec(derive(secret.getBytes(StandardCharsets.UTF_8)), ALGORITHM);
    this.macs = ThreadLocal.withInitial(this::newMac);
    this.maxAgeMillis = maxAge.toMillis();
    this.maxSkewMillis = maxClockSkew.toMillis();
  }

  public Duration maxAge() {
    return Duration.ofMillis(maxAgeMillis);
  }

  private static byte[] derive(byte[] secret) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret, ALGORITHM));
      return mac.doFinal(KEY_PURPOSE);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
    }
  }

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java 17 runtime", e);
    }
  }

  /** A new id for a prediction {@code version} answered at {@code issuedAtMillis}. */
  public String sign(ModelVersionId version, long issuedAtMillis) {
    return sign(version, issuedAtMillis, ThreadLocalRandom.current().nextLong());
  }

  String sign(ModelVersionId version, long issuedAtMillis, long nonce) {
    byte[] model = version.model().getBytes(StandardCharsets.UTF_8);
    byte[] token = new byte[HEADER + model.length + TAG];
    token[0] = FORMAT;
    putLong(token, 1, issuedAtMillis);
    putLong(token, 9, nonce);
    putLong(token, 17, version.version());
    System.arraycopy(model, 0, token, HEADER, model.length);
    Mac mac = macs.get();
    mac.update(token, 0, token.length - TAG);
    System.arraycopy(mac.doFinal(), 0, token, token.length - TAG, TAG);
    return ENCODER.encodeToString(token);
  }

  /** What a token says once checked, or why it is refused. */
  public sealed interface Verdict permits Valid, Invalid {}

  /**
   * An authentic, unexpired id: {@code key} identifies it (the leading bytes of its tag) for
   * duplicate detection.
   */
  public record Valid(ModelVersionId version, long issuedAtMillis, long key) implements Verdict {}

  public record Invalid(FeedbackRefusal reason, String message) implements Verdict {}

  /**
   * Checks {@code token} at {@code nowMillis}: shape first, then the tag in constant time, and the
   * age only of authentic ids (an unauthenticated issue time means nothing).
   */
  public Verdict verify(String token, long nowMillis) {
    if (token == null || token.isEmpty()) return malformed("the request id is empty");
    if (token.length() > MAX_CHARS) return malformed("the request id is too long to be one");
    byte[] bytes;
    try {
      bytes = DECODER.decode(token);
    } catch (IllegalArgumentException e) {
      return malformed("the request id is not base64url");
    }
    if (bytes.length < MIN_BYTES || bytes.length > MAX_BYTES || !ENCODER.encodeToString(bytes).equals(token)) {
      return malformed("the request id has not the shape of a signed id");
    }
    Mac mac = macs.get();
    mac.update(bytes, 0, bytes.length - TAG);
    byte[] expected = mac.doFinal();
    byte[] given = new byte[TAG];
    System.arraycopy(bytes, bytes.length - TAG, given, 0, TAG);
    byte[] wanted = new byte[TAG];
    System.arraycopy(expected, 0, wanted, 0, TAG);
    if (!MessageDigest.isEqual(wanted, given)) {
      return new Invalid(FeedbackRefusal.BAD_SIGNATURE,
          "the request id's signature does not match: it was forged, altered, or signed with another cluster secret");
    }
    if (bytes[0] != FORMAT) return malformed("the request id has an unknown format " + bytes[0]);
    long issued = getLong(bytes, 1);
    long version = getLong(bytes, 17);
    String model = new String(bytes, HEADER, bytes.length - HEADER - TAG, StandardCharsets.UTF_8);
    if (version < 0 || !ModelVersionId.isValidModelName(model)) return malformed("the request id names no model version");
    long age = nowMillis - issued;
    if (age > maxAgeMillis) {
      return new Invalid(FeedbackRefusal.EXPIRED, "the request id was issued " + Duration.ofMillis(age).toSeconds()
          + " s ago; feedback is accepted for " + Duration.ofMillis(maxAgeMillis).toSeconds() + " s");
    }
    if (-age > maxSkewMillis) {
      return new Invalid(FeedbackRefusal.ISSUED_IN_FUTURE, "the request id was issued " + Duration.ofMillis(-age).toMillis()
          + " ms in the future, more than the allowed clock skew of " + maxSkewMillis + " ms");
    }
    return new Valid(new ModelVersionId(model, version), issued, getLong(given, 0));
  }

  private static Invalid malformed(String why) {
    return new Invalid(FeedbackRefusal.MALFORMED_ID, why + " (only replies of successful predictions carry a signed "
        + "Turnout-Request-Id)");
  }

  private static void putLong(byte[] bytes, int at, long value) {
    for (int i = 7; i >= 0; i--) {
      bytes[at + i] = (byte) value;
      value >>>= 8;
    }
  }

  private static long getLong(byte[] bytes, int at) {
    long value = 0;
    for (int i = 0; i < 8; i++) value = (value << 8) | (bytes[at + i] & 0xff);
    return value;
  }
}
