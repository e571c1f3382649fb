package io.turnout.node.feedback;

import io.turnout.protocol.ModelVersionId;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Prints the cost of a request id on the prediction path: the unsigned id it replaced
 * ({@code String.format} of 64 random bits), signing, and verifying, side by side in one run.
 *
 * <pre>
 * mvn -o -q -pl cluster-node -am test-compile
 * java -cp cluster-node/target/test-classes:cluster-node/target/classes:protocol/target/classes \
 *     io.turnout.node.feedback.RequestIdSigningBenchmark
 * </pre>
 */
public final class RequestIdSigningBenchmark {
  private static final int ROUNDS = 5;
  private static final int PER_ROUND = 1_000_000;
  private static volatile Object sink;

  private RequestIdSigningBenchmark() {}

  public static void main(String[] args) {
    RequestIdSigner signer = new RequestIdSigner("a benchmark secret", Duration.ofHours(1), Duration.ofMinutes(1));
    ModelVersionId version = new ModelVersionId("iris", 2);
    long now = System.currentTimeMillis();
    String[] ids = new String[1024];
    for (int i = 0; i < ids.length; i++) ids[i] = signer.sign(version, now);
    for (int round = 0; round < ROUNDS; round++) {
      double unsigned = time(() -> String.format("%016x", ThreadLocalRandom.current().nextLong()));
      double sign = time(() -> signer.sign(version, now));
      int[] next = {0};
      double verify = time(() -> signer.verify(ids[next[0]++ & 1023], now));
      System.out.printf("round %d: unsigned id %.0f ns, sign %.0f ns, verify %.0f ns (sign/unsigned %.2f)%n",
          round + 1, unsigned, sign, verify, sign / unsigned);
    }
  }

  private static double time(java.util.function.Supplier<Object> work) {
    long started = System.nanoTime();
    for (int i = 0; i < PER_ROUND; i++) sink = work.get();
    return (System.nanoTime() - started) / (double) PER_ROUND;
  }
}
