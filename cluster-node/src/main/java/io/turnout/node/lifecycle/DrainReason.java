package io.turnout.node.lifecycle;

import org.apache.pekko.actor.CoordinatedShutdown;

/** Why this node drains, as Coordinated Shutdown records it; both exit with code 0. */
public enum DrainReason implements CoordinatedShutdown.Reason {
  /** The process received SIGTERM (a rolling restart, Kubernetes stopping the pod). */
  TERM_SIGNAL,
  /** An operator asked through the admin API. */
  ADMIN_REQUEST
}
