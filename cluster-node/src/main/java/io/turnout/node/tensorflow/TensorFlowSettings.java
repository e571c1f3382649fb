package io.turnout.node.tensorflow;

import com.typesafe.config.Config;

/**
 * How each SavedModel session uses threads. Replicas already run several batches in parallel, so
 * one thread per op keeps TensorFlow from oversubscribing the cores (measured ~40 % faster for the
 * wide model at 16 and 64 connections).
 */
public record TensorFlowSettings(int intraOpThreads, int interOpThreads) {

  public static TensorFlowSettings fromConfig(Config config) {
    return new TensorFlowSettings(config.getInt("intra-op-threads"), config.getInt("inter-op-threads"));
  }
}
