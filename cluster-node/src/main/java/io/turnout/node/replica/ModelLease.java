package io.turnout.node.replica;

import io.turnout.node.tensorflow.SavedModelRunner;

/**
 * Shares one loaded model between the replica and the batches running on TensorFlow threads, so
 * that closing it (replica stopped, handed off or crashed) waits for the last running batch instead
 * of freeing native memory under it.
 */
final class ModelLease {
  private final SavedModelRunner runner;
  private int running;
  private boolean closing;

  ModelLease(SavedModelRunner runner) {
    this.runner = runner;
  }

  SavedModelRunner runner() {
    return runner;
  }

  /** False once closing began: the caller must not use the model. */
  synchronized boolean acquire() {
    if (closing) return false;
    running++;
    return true;
  }

  synchronized void release() {
    running--;
    if (closing && running == 0) runner.close();
  }

  synchronized void close() {
    if (closing) return;
    closing = true;
    if (running == 0) runner.close();
  }
}
