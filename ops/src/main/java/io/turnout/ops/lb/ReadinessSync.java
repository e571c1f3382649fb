package io.turnout.ops.lb;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Open-source nginx has no active health checks, so this does them: it asks every backend's
 * {@code /health/ready} each interval and, when the set of ready backends changes, hands the new set
 * to {@code apply} (render the configuration, reload nginx). A set that {@code apply} could not put
 * in place is tried again on the next round.
 *
 * <p>A node that is told to stop turns its readiness off at once and keeps serving for its drain
 * period; the interval plus a reload must stay well inside that period.
 */
public final class ReadinessSync implements AutoCloseable {
  private final List<Backend> backends;
  private final Duration interval;
  private final Duration probeTimeout;
  private final Consumer<Set<Backend>> apply;
  private final Consumer<String> log;
  private final HttpClient http;
  private final ScheduledExecutorService timer;

  private volatile Set<Backend> applied; // null until the first set is in place
  private volatile long changes;

  /**
   * @param apply puts a set of ready backends into effect; throws when it cannot
   * @param log   one line per change of a backend's readiness, and per failure to apply
   */
  public ReadinessSync(List<Backend> backends, Duration interval, Duration probeTimeout, Consumer<Set<Backend>> apply,
      Consumer<String> log) {
    if (backends.isEmpty()) throw new IllegalArgumentException("no backends");
    this.backends = List.copyOf(backends);
    this.interval = interval;
    this.probeTimeout = probeTimeout;
    this.apply = apply;
    this.log = log;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(probeTimeout).build();
    this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "readiness-sync");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Asks every backend once, all at the same time; the ready ones, in the backends' order. */
  public Set<Backend> probe() {
    List<CompletableFuture<Boolean>> answers = new ArrayList<>();
    for (Backend backend : backends) {
      HttpRequest request = HttpRequest.newBuilder(backend.readinessUri()).timeout(probeTimeout).GET().build();
      answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .thenApply(response -> response.statusCode() == 200)
          .exceptionally(error -> false));
    }
    Set<Backend> ready = new LinkedHashSet<>();
    for (int i = 0; i < backends.size(); i++) if (answers.get(i).join()) ready.add(backends.get(i));
    return ready;
  }

  /** Starts the rounds; the first one runs at once. */
  public ReadinessSync start() {
    timer.scheduleWithFixedDelay(this::round, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Starts the rounds, {@code inPlace} being the ready set the configuration already reflects. */
  public ReadinessSync start(Set<Backend> inPlace) {
    applied = Set.copyOf(inPlace);
    timer.scheduleWithFixedDelay(this::round, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** One round: probe, and apply the result if it differs from what is in place. */
  void round() {
    Set<Backend> ready = probe();
    Set<Backend> current = applied;
    if (ready.equals(current)) return;
    try {
      apply.accept(ready);
    } catch (RuntimeException e) {
      log.accept("could not apply ready backends " + ready + ": " + e.getMessage());
      return;
    }
    for (Backend backend : backends) {
      boolean was = current != null && current.contains(backend);
      boolean is = ready.contains(backend);
      if (current == null || was != is) log.accept(backend + (is ? " ready: receives traffic" : " not ready: taken out"));
    }
    applied = Set.copyOf(ready);
    changes++;
  }

  /** The ready backends whose configuration is in place; empty before the first round. */
  public Set<Backend> applied() {
    Set<Backend> current = applied;
    return current == null ? Set.of() : current;
  }

  /** How many times a new set was put in place. */
  public long changes() {
    return changes;
  }

  /** Waits until the set in place satisfies {@code condition}. */
  public Set<Backend> await(Predicate<Set<Backend>> condition, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Set<Backend> current = applied();
      if (applied != null && condition.test(current)) return current;
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the load balancer's ready backends did not reach the expected set within "
            + timeout.toSeconds() + " s; in place: " + current);
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
