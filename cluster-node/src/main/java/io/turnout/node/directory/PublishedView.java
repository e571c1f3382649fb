package io.turnout.node.directory;

import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.Scheduler;
import scala.concurrent.ExecutionContextExecutor;

/**
 * The node's current {@link ServingView}, which the directory publishes and the edge reads per
 * request, plus waiting for a view that satisfies a condition (a version becoming ready): the
 * waiter is completed by the publish that brings such a view, or by a scheduler timer at its
 * deadline, never by a thread sleeping and polling.
 */
public final class PublishedView implements Supplier<ServingView> {
  private volatile ServingView current = ServingView.EMPTY;
  private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

  /** @param executor where the waiter's continuation runs: never the publishing actor's thread */
  private record Waiter(Predicate<ServingView> condition, CompletableFuture<ServingView> done,
      ExecutionContextExecutor executor) {
    void complete(ServingView view) {
      executor.execute(() -> done.complete(view));
    }
  }

  @Override
  public ServingView get() {
    return current;
  }

  /** Makes {@code view} current and completes every waiter it satisfies. */
  public void publish(ServingView view) {
    current = view;
    if (waiters.isEmpty()) return;
    for (Iterator<Waiter> waiting = waiters.iterator(); waiting.hasNext(); ) {
      Waiter waiter = waiting.next();
      if (waiter.done().isDone()) {
        waiting.remove();
      } else if (satisfies(waiter, view)) {
        waiting.remove();
        waiter.complete(view);
      }
    }
  }

  /**
   * The first view (the current one included) that satisfies {@code condition}; past {@code max},
   * the view current then, whether it satisfies the condition or not (the caller decides what that
   * means). {@code condition} runs on the publishing thread and must be cheap; what follows the
   * returned stage runs on {@code executor}.
   */
  public CompletionStage<ServingView> await(Predicate<ServingView> condition, Duration max, Scheduler scheduler,
      ExecutionContextExecutor executor) {
    ServingView now = current;
    if (condition.test(now)) return CompletableFuture.completedFuture(now);
    if (max.isZero() || max.isNegative()) return CompletableFuture.completedFuture(now);
    Waiter waiter = new Waiter(condition, new CompletableFuture<>(), executor);
    waiters.add(waiter);
    // A publish between the first test and the add would not have seen this waiter.
    ServingView after = current;
    if (satisfies(waiter, after)) {
      waiters.remove(waiter);
      waiter.done().complete(after);
      return waiter.done();
    }
    Cancellable deadline = scheduler.scheduleOnce(max, () -> {
      waiters.remove(waiter);
      waiter.done().complete(current);
    }, executor);
    waiter.done().whenComplete((view, error) -> deadline.cancel());
    return waiter.done();
  }

  /** Requests waiting now (for tests and metrics). */
  public int waiting() {
    return waiters.size();
  }

  private static boolean satisfies(Waiter waiter, ServingView view) {
    try {
      return waiter.condition().test(view);
    } catch (RuntimeException e) {
      waiter.done().completeExceptionally(e);
      return true;
    }
  }
}
