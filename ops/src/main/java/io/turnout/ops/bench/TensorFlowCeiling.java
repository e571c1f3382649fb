package io.turnout.ops.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The ceiling: batch-1 {@code session.runner()} calls on one shared session from N threads, in
 * process, with no HTTP, JSON or queueing. Each call builds its input tensor and copies its output
 * out, as a server has to. Latencies go into an HdrHistogram per thread.
 */
public final class TensorFlowCeiling {

  /** An Iris-like row; the same one the HTTP runs send. */
  static final float[][] ROW = {{5.1f, 3.5f, 1.4f, 0.2f}};

  private final SavedModelPredictor predictor;

  private TensorFlowCeiling(SavedModelPredictor predictor) {
    this.predictor = predictor;
  }

  /** Calls the model from {@code threads} threads for {@code duration}, measuring each call. */
  Measurement run(int threads, Duration duration) throws InterruptedException {
    long deadline = System.nanoTime() + duration.toNanos();
    List<Histogram> histograms = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    CountDownLatch done = new CountDownLatch(threads);
    OtherCpu others = OtherCpu.start();
    long cpuBefore = ProcessCpu.selfMicros();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      Histogram histogram = new Histogram(Duration.ofSeconds(60).toNanos(), 3);
      histograms.add(histogram);
      Thread thread =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    try {
                      predictor.predict(ROW);
                      histogram.recordValue(System.nanoTime() - t0);
                    } catch (RuntimeException e) {
                      errors.incrementAndGet();
                    }
                  }
                } finally {
                  done.countDown();
                }
              },
              "ceiling-" + t);
      thread.setDaemon(true);
      thread.start();
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpu = ProcessCpu.selfMicros() - cpuBefore;
    Histogram all = new Histogram(Duration.ofSeconds(60).toNanos(), 3);
    histograms.forEach(all::add);
    long calls = all.getTotalCount();
    return new Measurement(
        "ceiling",
        threads,
        calls,
        errors.get(),
        calls / seconds,
        all.getValueAtPercentile(50) / 1e6,
        all.getValueAtPercentile(99) / 1e6,
        calls == 0 ? Double.NaN : (double) cpu / calls,
        others.cores());
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Cli()).execute(args));
  }

  @Command(
      name = "tensorflow-ceiling",
      description =
          "Batch-1 in-process TensorFlow calls from N threads; prints one MEASUREMENT line per N.")
  static final class Cli implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "SavedModel version folder.")
    Path model;

    @Option(
        names = "--concurrency",
        split = ",",
        defaultValue = "1,16,64",
        description = "Thread counts (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds per run.")
    int durationSeconds;

    @Option(names = "--warmup", defaultValue = "5", description = "Warm-up seconds before each.")
    int warmupSeconds;

    @Option(
        names = "--busy-retries",
        defaultValue = "0",
        description = "Measure again up to this many times while others use --busy-cores.")
    int busyRetries;

    @Option(names = "--busy-cores", defaultValue = "0.10", description = "See --busy-retries.")
    double busyCores;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() throws InterruptedException {
      try (SavedModelPredictor predictor = SavedModelPredictor.load(model)) {
        TensorFlowCeiling ceiling = new TensorFlowCeiling(predictor);
        for (int threads : concurrency) {
          if (warmupSeconds > 0) {
            ceiling.run(threads, Duration.ofSeconds(warmupSeconds));
          }
          Measurement m = ceiling.run(threads, Duration.ofSeconds(durationSeconds));
          for (int attempt = 0; attempt < busyRetries && m.otherCores() >= busyCores; attempt++) {
            Measurement next = ceiling.run(threads, Duration.ofSeconds(durationSeconds));
            m = next.otherCores() < m.otherCores() ? next : m;
          }
          System.out.println(m.toLine());
          System.out.flush();
        }
        return 0;
      } catch (RuntimeException e) {
        System.err.println(String.format(Locale.ROOT, "tensorflow-ceiling failed: %s", e));
        return 1;
      }
    }
  }
}
