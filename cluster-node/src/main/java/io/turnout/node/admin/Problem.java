package io.turnout.node.admin;

/**
 * An RFC 9457 problem: what went wrong with a request, as the admin API answers it in
 * {@code application/problem+json}. Thrown by the codecs and the routes; rendered in one place.
 * {@code pointer} (a JSON pointer into the request body, or empty) says where an invalid request is
 * wrong.
 */
public final class Problem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds of problem the admin API answers with: status, title and the last part of the type URI. */
  public enum Kind {
    MALFORMED(400, "Malformed request", "malformed-request"),
    UNAUTHORIZED(401, "Unauthorized", "unauthorized"),
    NOT_FOUND(404, "Not found", "not-found"),
    METHOD_NOT_ALLOWED(405, "Method not allowed", "method-not-allowed"),
    CONFLICT(409, "Conflict", "conflict"),
    TOO_LARGE(413, "Request body too large", "too-large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type", "unsupported-media-type"),
    INVALID(422, "Invalid request", "invalid-request"),
    INTERNAL(500, "Internal error", "internal-error"),
    NOT_IMPLEMENTED(501, "Not implemented", "not-implemented"),
    UNAVAILABLE(503, "Service unavailable", "unavailable");

    public final int status;
    public final String title;
    public final String type;

    Kind(int status, String title, String slug) {
      this.status = status;
      this.title = title;
      this.type = TYPE_PREFIX + slug;
    }

    /** The kind for an HTTP status the routes did not choose (a rejection of Pekko HTTP's own). */
    public static Kind forStatus(int status) {
      for (Kind kind : values()) if (kind.status == status) return kind;
      return status >= 500 ? INTERNAL : MALFORMED;
    }
  }

  /** Problem types are URNs: stable names to branch on, not pages to fetch. */
  public static final String TYPE_PREFIX = "urn:turnout:problem:";

  private final transient Kind kind;
  private final String pointer;

  public Problem(Kind kind, String detail, String pointer) {
    super(detail, null, false, false);
    this.kind = kind;
    this.pointer = pointer == null ? "" : pointer;
  }

  public Problem(Kind kind, String detail) {
    this(kind, detail, "");
  }

  public static Problem invalid(String pointer, String detail) {
    return new Problem(Kind.INVALID, detail, pointer);
  }

  public static Problem malformed(String detail) {
    return new Problem(Kind.MALFORMED, detail);
  }

  public static Problem notFound(String detail) {
    return new Problem(Kind.NOT_FOUND, detail);
  }

  public Kind kind() {
    return kind;
  }

  public int status() {
    return kind.status;
  }

  public String detail() {
    return getMessage();
  }

  public String pointer() {
    return pointer;
  }
}
