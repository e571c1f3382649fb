package io.turnout.node.http;

import java.util.concurrent.ThreadLocalRandom;

/** Ids for the {@code Turnout-Request-Id} header: 64 random bits, lock-free to make. */
final class RequestIds {
  private RequestIds() {}

  static String next() {
    return String.format("%016x", ThreadLocalRandom.current().nextLong());
  }
}
