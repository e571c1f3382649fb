package io.turnout.node.lifecycle;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * How a node leaves, from {@code turnout.shutdown}.
 *
 * @param drainPeriod how long the node keeps serving after its readiness turned false, so load
 *     balancers notice before it stops accepting connections
 * @param replicaWait the longest the node waits, before handing off its replicas, for another node
 *     to have a ready replica of every version it serves
 * @param requestsDeadline the longest in-flight HTTP requests may take to finish after unbinding
 */
public record DrainSettings(Duration drainPeriod, Duration replicaWait, Duration requestsDeadline) {

  public static DrainSettings fromConfig(Config shutdown) {
    return new DrainSettings(shutdown.getDuration("drain-period"), shutdown.getDuration("replica-wait"),
        shutdown.getDuration("requests-deadline"));
  }
}
