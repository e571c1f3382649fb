package io.turnout.node.feedback;

/**
 * Why feedback was refused, with its name on the wire and the status a single refused item (or a
 * refused request) answers with: 400 for what cannot be read, 403 for an id that reads but is not
 * one this cluster accepts, 413 for too much at once, 503 when this node cannot remember more ids.
 */
public enum FeedbackRefusal {
  /** The body is not JSON, not one of the two accepted shapes, or a batch item is not an object of them. */
  MALFORMED_REQUEST("malformed_request", 400),
  /** The body exceeds the byte limit or the batch exceeds the item limit. */
  TOO_LARGE("too_large", 413),
  /** {@code request_id} is missing, not a string, or not shaped like a signed id. */
  MALFORMED_ID("malformed_id", 400),
  /** {@code reward} is missing, not a JSON number, or not finite. */
  INVALID_REWARD("invalid_reward", 400),
  /** The id's signature does not match: forged, tampered with, or signed under another secret. */
  BAD_SIGNATURE("bad_signature", 403),
  /** The id is older than the configured max age. */
  EXPIRED("expired", 403),
  /** The id was issued further in the future than the allowed clock skew. */
  ISSUED_IN_FUTURE("issued_in_future", 403),
  /** This node remembers as many ids as it may for duplicate detection; retry later. */
  OVER_CAPACITY("over_capacity", 503);

  private final String wireName;
  private final int status;

  FeedbackRefusal(String wireName, int status) {
    this.wireName = wireName;
    this.status = status;
  }

  public String wireName() {
    return wireName;
  }

  public int status() {
    return status;
  }
}
