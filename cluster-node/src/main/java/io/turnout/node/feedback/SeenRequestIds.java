package io.turnout.node.feedback;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request ids this node accepted feedback for, to count each once. Ids are kept in slices by
 * their signed issue time, and a slice is forgotten as a whole once every id in it is past the max
 * age, when feedback for them is refused as expired anyway: so each id counts once for as long as it
 * is valid, in bounded memory and without a per-entry timer. Past {@code maxRemembered} ids new ones
 * are refused rather than risk counting one twice.
 */
final class SeenRequestIds {
  /** Slices per max age: memory is freed in steps of 1/SLICES of it. */
  static final int SLICES = 60;

  enum Seen { FIRST, AGAIN, FULL }

  private final long sliceMillis;
  private final long maxAgeMillis;
  private final long maxRemembered;
  private final ConcurrentHashMap<Long, Set<Long>> slices = new ConcurrentHashMap<>();
  private final AtomicLong remembered = new AtomicLong();
  private final AtomicLong nextForget = new AtomicLong(Long.MIN_VALUE);

  SeenRequestIds(Duration maxAge, long maxRemembered) {
    if (maxRemembered <= 0) throw new IllegalArgumentException("max-remembered must be positive: " + maxRemembered);
    this.maxAgeMillis = maxAge.toMillis();
    this.sliceMillis = Math.max(1, maxAgeMillis / SLICES);
    this.maxRemembered = maxRemembered;
  }

  /** Remembers the id {@code key} issued at {@code issuedAtMillis}, saying whether it was new. */
  Seen remember(long key, long issuedAtMillis, long nowMillis) {
    forgetExpired(nowMillis);
    Set<Long> slice = slices.computeIfAbsent(Math.floorDiv(issuedAtMillis, sliceMillis),
        s -> ConcurrentHashMap.newKeySet());
    if (slice.contains(key)) return Seen.AGAIN;
    if (remembered.get() >= maxRemembered) return Seen.FULL;
    if (!slice.add(key)) return Seen.AGAIN;
    remembered.incrementAndGet();
    return Seen.FIRST;
  }

  long remembered() {
    return remembered.get();
  }

  /** At most once per slice length, by whichever caller gets there first; others go on. */
  private void forgetExpired(long nowMillis) {
    long due = nextForget.get();
    if (nowMillis < due || !nextForget.compareAndSet(due, nowMillis + sliceMillis)) return;
    long oldestValid = nowMillis - maxAgeMillis;
    slices.keySet().removeIf(slice -> (slice + 1) * sliceMillis <= oldestValid);
    // Recount rather than subtract: an add racing with a removal would otherwise leak a count.
    remembered.set(slices.values().stream().mapToLong(Set::size).sum());
  }
}
