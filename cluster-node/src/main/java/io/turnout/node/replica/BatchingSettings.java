package io.turnout.node.replica;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Dynamic batching of one replica, with TensorFlow Serving's meaning: a batch closes when it holds
 * {@code maxBatchSize} rows or its oldest request waited {@code batchTimeout}; with a zero timeout a
 * batch closes as soon as a batch slot is free, so a lone request never waits and concurrent ones
 * merge while the slots are busy. At most {@code maxConcurrentBatches} TensorFlow calls run at once,
 * and more than {@code maxEnqueued} waiting requests are refused instead of queued.
 */
public record BatchingSettings(int maxBatchSize, Duration batchTimeout, int maxEnqueued, int maxConcurrentBatches) {

  public BatchingSettings {
    if (maxBatchSize < 1 || maxEnqueued < 1 || maxConcurrentBatches < 1 || batchTimeout.isNegative()) {
      throw new IllegalArgumentException("invalid batching settings: " + maxBatchSize + ", " + batchTimeout
          + ", " + maxEnqueued + ", " + maxConcurrentBatches);
    }
  }

  public static BatchingSettings fromConfig(Config config) {
    int concurrent = config.getInt("max-concurrent-batches");
    return new BatchingSettings(
        config.getInt("max-batch-size"),
        config.getDuration("batch-timeout"),
        config.getInt("max-enqueued"),
        concurrent > 0 ? concurrent : Runtime.getRuntime().availableProcessors());
  }
}
