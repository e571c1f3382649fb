package io.turnout.ops.load;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * An open-loop load: request {@code i} is due at {@code start + i / rate}, and is sent then whether
 * or not earlier ones were answered (Java's {@link HttpClient}, asynchronous). Every request's due
 * time, answer time, status and, for a failure, what went wrong, are kept; latency counts from the
 * due time, so a stalled client or server cannot hide slow answers (no coordinated omission).
 *
 * <p>A request that finds {@code maxInFlight} others unanswered is not sent and counts as failed:
 * memory stays bounded when the server stops answering.
 */
public final class FixedRateLoad implements AutoCloseable {
  private static final int ERROR_BODY_CHARS = 300;

  /**
   * One request.
   *
   * @param index     its number, from 0
   * @param dueNanos  {@link System#nanoTime()} when it was due to be sent
   * @param doneNanos when its answer (or failure) arrived
   * @param status    the HTTP status, 0 when there was no response
   * @param error     for a failure: the exception or the start of the body; empty otherwise
   */
  public record Outcome(long index, long dueNanos, long doneNanos, int status, String error) {
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    public long latencyNanos() {
      return doneNanos - dueNanos;
    }
  }

  private final HttpClient client;
  private final long periodNanos;
  private final LongFunction<HttpRequest> requests;
  private final int maxInFlight;
  private final long startNanos;
  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Thread sender;
  private volatile boolean stopping;
  private volatile long sent;

  private FixedRateLoad(HttpClient client, double perSecond, LongFunction<HttpRequest> requests, int maxInFlight) {
    if (perSecond <= 0 || perSecond > 100_000) throw new IllegalArgumentException("rate out of range: " + perSecond);
    this.client = client;
    this.periodNanos = Math.round(1e9 / perSecond);
    this.requests = requests;
    this.maxInFlight = maxInFlight;
    this.startNanos = System.nanoTime();
    this.sender = new Thread(this::send, "fixed-rate-load");
    this.sender.setDaemon(true);
  }

  /**
   * Starts sending {@code perSecond} requests a second; {@code requests} makes request number
   * {@code i} (give each its own timeout).
   */
  public static FixedRateLoad start(HttpClient client, double perSecond, LongFunction<HttpRequest> requests,
      int maxInFlight) {
    FixedRateLoad load = new FixedRateLoad(client, perSecond, requests, maxInFlight);
    load.sender.start();
    return load;
  }

  private void send() {
    for (long i = 0; !stopping; i++) {
      long due = startNanos + i * periodNanos;
      long wait;
      while ((wait = due - System.nanoTime()) > 0 && !stopping) LockSupport.parkNanos(wait);
      if (stopping) break;
      sent = i + 1;
      if (inFlight.get() >= maxInFlight) {
        outcomes.add(new Outcome(i, due, System.nanoTime(), 0, "not sent: " + maxInFlight + " requests unanswered"));
        continue;
      }
      inFlight.incrementAndGet();
      long index = i;
      try {
        client.sendAsync(requests.apply(i), HttpResponse.BodyHandlers.ofString())
            .whenComplete((response, error) -> finished(index, due, response, error));
      } catch (RuntimeException e) {
        finished(index, due, null, e);
      }
    }
  }

  private void finished(long index, long due, HttpResponse<String> response, Throwable error) {
    long done = System.nanoTime();
    if (response != null) {
      int status = response.statusCode();
      boolean ok = status >= 200 && status < 300;
      outcomes.add(new Outcome(index, due, done, status, ok ? "" : shorten(response.body())));
    } else {
      Throwable cause = error.getCause() != null && error instanceof CompletionException
          ? error.getCause() : error;
      outcomes.add(new Outcome(index, due, done, 0, cause.getClass().getSimpleName() + ": " + cause.getMessage()));
    }
    inFlight.decrementAndGet();
  }

  private static String shorten(String body) {
    String flat = body == null ? "" : body.replaceAll("\\s+", " ").strip();
    return flat.length() <= ERROR_BODY_CHARS ? flat : flat.substring(0, ERROR_BODY_CHARS) + "…";
  }

  /** Requests due so far (sent, or refused for too many in flight). */
  public long sent() {
    return sent;
  }

  public int inFlight() {
    return inFlight.get();
  }

  /** Everything answered so far. */
  public LoadRecord snapshot() {
    return new LoadRecord(new ArrayList<>(outcomes), periodNanos);
  }

  /**
   * Stops sending and waits up to {@code drain} for the requests in flight; those still unanswered
   * then count as failed.
   */
  public LoadRecord stop(Duration drain) throws InterruptedException {
    stopping = true;
    sender.join();
    long deadline = System.nanoTime() + drain.toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
    List<Outcome> all = new ArrayList<>(outcomes);
    long answered = all.size();
    long total = sent;
    if (answered < total) {
      Set<Long> seen = new HashSet<>();
      for (Outcome outcome : all) seen.add(outcome.index());
      long now = System.nanoTime();
      for (long i = 0; i < total; i++) {
        if (!seen.contains(i)) all.add(new Outcome(i, startNanos + i * periodNanos, now, 0, "no answer within the drain time"));
      }
    }
    return new LoadRecord(all, periodNanos);
  }

  @Override
  public void close() {
    stopping = true;
  }
}
