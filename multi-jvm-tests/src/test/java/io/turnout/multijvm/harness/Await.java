package io.turnout.multijvm.harness;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Polling with a deadline, instead of fixed sleeps. */
public final class Await {
  private static final Duration POLL = Duration.ofMillis(250);

  private Await() {}

  /** Asks {@code check} until it gives a value; fails after {@code timeout}, naming {@code what} and {@code state}. */
  public static <T> T until(String what, Duration timeout, Supplier<Optional<T>> check, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<T> value = check.get();
      if (value.isPresent()) return value.get();
      if (System.nanoTime() > deadline) {
        throw new AssertionError(what + ": not within " + timeout.toSeconds() + " s; " + state.get());
      }
      sleep(POLL);
    }
  }

  public static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static double seconds(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1e9;
  }
}
