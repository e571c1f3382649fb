package io.turnout.ops.cli;

/**
 * What {@code turnoutctl} exits with, for scripts:
 *
 * <ul>
 *   <li>0 — done (for {@code rollout watch}: the rollout was promoted);
 *   <li>1 — usage: bad arguments or an unreadable plan file; nothing was sent;
 *   <li>2 — refused by the server: 400 (a malformed request), 404 (no such model, version or
 *       command), 409 (conflicts with the rollout's state) or 422 (invalid plan or command);
 *       nothing changed;
 *   <li>3 — {@code rollout watch}: the rollout was rolled back by its gate or aborted;
 *   <li>4 — unauthorized: no token, or the wrong one (401);
 *   <li>5 — the admin API could not be reached, or answered 5xx (503: coordinator or journal
 *       unavailable — a command may or may not have been applied; check the status).
 * </ul>
 */
final class ExitCodes {
  static final int OK = 0;
  static final int USAGE = 1;
  static final int REFUSED = 2;
  static final int ROLLED_BACK = 3;
  static final int UNAUTHORIZED = 4;
  static final int UNAVAILABLE = 5;

  private ExitCodes() {}

  /** The exit code for an HTTP error status. */
  static int forStatus(int status) {
    if (status == 401 || status == 403) return UNAUTHORIZED;
    if (status >= 500) return UNAVAILABLE;
    return REFUSED;
  }
}
