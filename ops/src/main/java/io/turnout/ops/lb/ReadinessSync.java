package io.turnout.ops.lb;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
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
 * period; the interval plus a reload must stay well inside that period. A 503 takes a backend out
 * at once; a probe that gets no answer in time takes it out only after {@value #UNANSWERED_LIMIT}
 * such rounds in a row: on a busy machine a slow answer is no reason to reload nginx (each reload
 * makes nginx open its connections to the nodes anew), and a node that really died is skipped by
 * nginx's passive checks meanwhile.
 */
public final class ReadinessSync implements AutoCloseable {
  static final int UNANSWERED_LIMIT = 3;

  /** What one probe of one backend found. */
  enum Answer { READY, NOT_READY, NO_ANSWER }

  private final List<Backend> backends;
  private final Duration interval;
  private final Duration probeTimeout;
  private final Consumer<Set<Backend>> apply;
  private final Consumer<String> log;
  private final HttpClient http;
  private final ScheduledExecutorService timer;

  private volatile Set<Backend> applied; // null until the first set is in place
  private volatile long changes;
  private final Map<Backend, Integer> unanswered = new HashMap<>(); // only on the timer's thread

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

  /** Asks every backend once, all at the same time; the ones that answered ready, in the backends' order. */
  public Set<Backend> probe() {
    List<Answer> answers = answers();
    Set<Backend> ready = new LinkedHashSet<>();
    for (int i = 0; i < backends.size(); i++) if (answers.get(i) == Answer.READY) ready.add(backends.get(i));
    return ready;
  }

  private List<Answer> answers() {
    List<CompletableFuture<Answer>> answers = new ArrayList<>();
    for (Backend backend : backends) {
      HttpRequest request = HttpRequest.newBuilder(backend.readinessUri()).timeout(probeTimeout).GET().build();
      answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
          .thenApply(response -> response.statusCode() == 200 ? Answer.READY : Answer.NOT_READY)
          .exceptionally(error -> Answer.NO_ANSWER));
    }
    return answers.stream().map(CompletableFuture::join).toList();
  }

  /**
   * Whether a backend counts as ready after a probe: as it answered, or, with no answer, as it was
   * until {@code unansweredInARow} reaches {@code limit}.
   */
  static boolean readyAfter(boolean wasReady, Answer answer, int unansweredInARow, int limit) {
    return switch (answer) {
      case READY -> true;
      case NOT_READY -> false;
      case NO_ANSWER -> wasReady && unansweredInARow < limit;
    };
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
    List<Answer> answers = answers();
    Set<Backend> current = applied;
    Set<Backend> ready = new LinkedHashSet<>();
    for (int i = 0; i < backends.size(); i++) {
      Backend backend = backends.get(i);
      int streak = answers.get(i) == Answer.NO_ANSWER ? unanswered.merge(backend, 1, Integer::sum) : 0;
      if (streak == 0) unanswered.remove(backend);
      if (readyAfter(current != null && current.contains(backend), answers.get(i), streak, UNANSWERED_LIMIT)) {
        ready.add(backend);
      }
    }
    if (ready.equals(current)) return;
    try {
      apply.accept(ready);
    } catch (RuntimeException e) {
      log.accept("could not apply ready backends " + ready + ": " + e.getMessage());
      return;
    }
    for (int i = 0; i < backends.size(); i++) {
      Backend backend = backends.get(i);
      boolean was = current != null && current.contains(backend);
      boolean is = ready.contains(backend);
      if (current == null || was != is) {
        log.accept(backend + (is ? " ready: receives traffic"
            : answers.get(i) == Answer.NOT_READY ? " not ready: taken out"
            : " not answering " + UNANSWERED_LIMIT + " probes in a row: taken out"));
      }
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
