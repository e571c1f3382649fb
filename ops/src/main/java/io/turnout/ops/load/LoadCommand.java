package io.turnout.ops.load;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code turnout-load}: predictions at a fixed rate (open loop) until a duration is over or the
 * process is told to stop, a progress line every few seconds, and a summary that says whether
 * every request got a 2xx. An operator runs it through the load balancer while restarting nodes,
 * and its exit code answers "was that restart hitless?".
 */
@Command(
    name = "turnout-load",
    mixinStandardHelpOptions = true,
    exitCodeOnInvalidInput = 2,
    exitCodeOnExecutionException = 2,
    description = "Sends predictions at a fixed rate and reports every request that did not get a 2xx.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:every request got a 2xx",
        "1:some requests failed (a status other than 2xx, a connection error, no answer in time)",
        "2:usage: bad arguments, or the body file cannot be read"})
public final class LoadCommand implements Callable<Integer> {
  static final String IRIS_ROW = "{\"instances\": [[5.1, 3.5, 1.4, 0.2]]}";

  @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080/v1/models/iris:predict",
      description = "Where to POST (default: ${DEFAULT-VALUE}, the local cluster's nginx).")
  URI url;

  @Option(names = "--rate", paramLabel = "N", defaultValue = "200", description = "Requests a second (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "0",
      description = "How long; 0 (default) runs until SIGINT or SIGTERM.")
  long durationSeconds;

  @Option(names = "--body", paramLabel = "JSON", description = "The request body (default: one Iris row).")
  String body;

  @Option(names = "--body-file", paramLabel = "FILE", description = "The request body, from a file.")
  Path bodyFile;

  @Option(names = "--header", paramLabel = "NAME=VALUE", description = "An extra request header (repeatable).")
  Map<String, String> headers = new LinkedHashMap<>();

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "A request without an answer after this long fails (default: ${DEFAULT-VALUE}).")
  long timeoutSeconds;

  @Option(names = "--max-in-flight", paramLabel = "N", defaultValue = "2000",
      description = "Requests unanswered at once before new ones count as failed, not sent (default: ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(names = "--every", paramLabel = "SECONDS", defaultValue = "5",
      description = "A progress line this often, on stderr (default: ${DEFAULT-VALUE}; 0: none).")
  long everySeconds;

  @Spec
  CommandSpec spec;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final CountDownLatch reported = new CountDownLatch(1);
  private volatile int verdict = 1;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadCommand()).execute(args));
  }

  /** Stops the run as SIGINT or SIGTERM would (tests). */
  void stop() {
    stopped.countDown();
  }

  @Override
  public Integer call() throws Exception {
    CommandLine line = spec.commandLine();
    PrintWriter out = line.getOut();
    PrintWriter err = line.getErr();
    if (rate <= 0 || rate > 100_000) throw new ParameterException(line, "--rate: above 0, at most 100000");
    if (body != null && bodyFile != null) throw new ParameterException(line, "--body or --body-file, not both");
    String payload = bodyFile != null ? read(bodyFile) : body != null ? body : IRIS_ROW;
    // One connection per request, as clients behind a load balancer usually open them.
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    FixedRateLoad load = FixedRateLoad.start(client, rate, i -> {
      HttpRequest.Builder request = HttpRequest.newBuilder(url).timeout(timeout)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(payload));
      headers.forEach(request::header);
      return request.build();
    }, maxInFlight);
    // On SIGINT or SIGTERM: stop sending, keep the JVM up until the summary is out, then exit with
    // its verdict. Left to itself the JVM would exit 130 or 143 (128 + the signal), whatever the summary says.
    Thread onSignal = new Thread(() -> {
      stopped.countDown();
      try {
        if (reported.await(timeoutSeconds + 5, TimeUnit.SECONDS)) Runtime.getRuntime().halt(verdict);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "turnout-load-stop");
    Runtime.getRuntime().addShutdownHook(onSignal);
    err.printf(Locale.ROOT, "turnout-load: %.0f requests/s to %s%s%n", rate, url,
        durationSeconds > 0 ? " for " + durationSeconds + " s" : " until stopped");
    err.flush();

    long start = System.nanoTime();
    long end = durationSeconds > 0 ? start + TimeUnit.SECONDS.toNanos(durationSeconds) : Long.MAX_VALUE;
    long every = everySeconds > 0 ? TimeUnit.SECONDS.toNanos(everySeconds) : Long.MAX_VALUE;
    long nextReport = everySeconds > 0 ? start + every : Long.MAX_VALUE;
    long reportedUpTo = start;
    while (true) {
      long now = System.nanoTime();
      long wake = Math.min(end, nextReport);
      if (now >= end || stopped.await(Math.max(0, wake - now), TimeUnit.NANOSECONDS)) break;
      if (System.nanoTime() >= nextReport) {
        LoadRecord sofar = load.snapshot();
        LoadRecord last = sofar.dueBetween(reportedUpTo, nextReport);
        err.printf(Locale.ROOT, "[%5.0f s] %d answered, %d failed; last %d s: %d answered, p99 %.1f ms, %d failed%n",
            (nextReport - start) / 1e9, sofar.count(), sofar.failed(), everySeconds, last.count(),
            last.percentileMillis(99), last.failed());
        err.flush();
        reportedUpTo = nextReport;
        nextReport += every;
      }
    }
    LoadRecord record = load.stop(timeout);
    try {
      Runtime.getRuntime().removeShutdownHook(onSignal);
    } catch (IllegalStateException shuttingDown) {
      // stopped by a signal: the summary still goes out before the JVM ends
    }
    out.println(record.summary());
    out.println("statuses: " + record.statuses());
    record.failures().stream().limit(10).forEach(failure -> out.printf(Locale.ROOT,
        "failed: request %d, %.0f ms after it was due, %s%n", failure.index(), failure.latencyNanos() / 1e6,
        failure.status() == 0 ? failure.error() : failure.status() + " " + failure.error()));
    if (record.failed() > 10) out.println("… and " + (record.failed() - 10) + " more");
    out.flush();
    verdict = record.failed() == 0 ? 0 : 1;
    reported.countDown();
    return verdict;
  }

  private static String read(Path file) throws IOException {
    return Files.readString(file);
  }
}
