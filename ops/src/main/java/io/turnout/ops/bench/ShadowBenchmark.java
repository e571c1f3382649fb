package io.turnout.ops.bench;

import io.turnout.ops.models.DemoModels;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What mirroring costs the primary: one Turnout node (with its own Cassandra, for the rollout
 * coordinator's journal) serves Iris v1 to wrk, alternately with no shadow and with a shadow phase
 * copying 100 % of v1's requests to v2, in rounds, at each concurrency. The mirror is switched the
 * way users switch it: a shadow rollout started through the admin API, then aborted. Each
 * concurrency's rounds alternate which mode goes first, so that drift of the machine falls on both;
 * the table gives the median of each mode and the ratio of the p99s, with every round's own ratio.
 */
@Command(
    name = "turnout-bench --shadow",
    mixinStandardHelpOptions = true,
    description = "Measures a Turnout node's primary latency with 0 %% and 100 %% shadow mirroring.")
public final class ShadowBenchmark implements Callable<Integer> {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(240);
  private static final String MODEL = DemoModels.IRIS;
  /** The p99 with every request mirrored may be at most this much above the p99 without (issue 4). */
  static final double TARGET_RATIO = 1.10;
  private static final Pattern COPIES =
      Pattern.compile("version 2: (\\d+) compared, (\\d+) dropped, (\\d+) failed");

  @Option(names = "--models-root", defaultValue = ".cache/bench-models",
      description = "Where the demo models are built when missing (default: ${DEFAULT-VALUE}).")
  Path modelsRoot;

  @Option(names = "--concurrency", split = ",", defaultValue = "1,16",
      description = "Concurrencies (default: ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(names = "--rounds", defaultValue = "3",
      description = "Measured runs of each mode per concurrency (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--duration", defaultValue = "10",
      description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(names = "--warmup", defaultValue = "5",
      description = "Warm-up seconds after each switch of the mirror (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--node-jar", defaultValue = "cluster-node/target/turnout-node.jar",
      description = "The Turnout node, which also launches Cassandra (default: ${DEFAULT-VALUE}).")
  Path nodeJar;

  @Option(names = "--node-env",
      description = "Extra environment for the node, e.g. TURNOUT_SHADOW_MAX_IN_FLIGHT=16 (repeatable).")
  Map<String, String> nodeEnv = new LinkedHashMap<>();

  @Option(names = "--node-jvm-opt", description = "Extra JVM option for the node (repeatable).")
  List<String> nodeJvmOptions = new ArrayList<>();

  @Option(names = "--cassandra-heap-mb", defaultValue = "512",
      description = "Heap of the benchmark's Cassandra (default: ${DEFAULT-VALUE}).")
  int cassandraHeapMb;

  @Option(names = "--javacpp-cache", defaultValue = ".cache/javacpp",
      description = "Where JavaCPP unpacks TensorFlow's native library (default: ${DEFAULT-VALUE}).")
  Path javacppCache;

  @Option(names = "--work-dir", defaultValue = ".cache/bench",
      description = "Logs, the wrk script and the benchmark's Cassandra, wiped at each start (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--pid-file", description = "Appends the pid of every server it starts.")
  Path pidFile;

  @Option(names = "--markdown", description = "Also writes the table as Markdown to this file.")
  Path markdown;

  @Option(names = "--await-quiet", defaultValue = "0",
      description = "Before each run, wait up to this many seconds for other processes to leave the CPU alone"
          + " (default: ${DEFAULT-VALUE}, only warn).")
  int awaitQuietSeconds;

  @Option(names = "--busy-retries", defaultValue = "1",
      description = "Measure a run again up to this many times while other processes use the CPU; the least"
          + " disturbed one counts (default: ${DEFAULT-VALUE}).")
  int busyRetries;

  @Option(names = "--wrk", defaultValue = "wrk", description = "The wrk executable.")
  String wrkExecutable;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private Wrk wrk;
  private URI admin;
  private URI prediction;
  private String token;
  /** The mirror the node runs now: 0 (none) or 100 %. */
  private int currentMirror;

  /**
   * One measured run and the copies its shadow phase made meanwhile (warm-up and re-measurements
   * included; zero without mirror).
   */
  record Run(int round, int mirrorPercent, Measurement measurement, long compared, long dropped, long failed) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new ShadowBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(nodeJar)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "no node jar at " + nodeJar
          + " (build cluster-node first)");
    }
    progress("models under %s", modelsRoot.toAbsolutePath());
    DemoModels.ensure(modelsRoot, line -> progress("  %s", line));
    wrk = Wrk.create(wrkExecutable, workDir);
    long start = System.nanoTime();
    List<Run> runs = new ArrayList<>();
    int cqlPort = ServerProcess.freePort();
    try (ServerProcess cassandra = startCassandra(cqlPort); ServerProcess node = startNode(cqlPort)) {
      awaitAvailable(node, 1);
      awaitAvailable(node, 2);
      // A table that routes to v1 without a mirror: without any table the newest version would serve.
      // A cold JVM answers its first seconds slowly: warm both paths, the copies' included, before
      // the first measured run, which would otherwise carry the JIT's cost alone.
      int busiest = concurrency.stream().max(Integer::compare).orElse(1);
      startShadow();
      awaitAvailable(node, 2);
      awaitServedBy("1");
      progress("warming up: %d s mirrored, %d s not, at c=%d", 2 * warmupSeconds, 2 * warmupSeconds, busiest);
      wrk.run(prediction, busiest, Duration.ofSeconds(2L * warmupSeconds));
      abort();
      currentMirror = 0;
      wrk.run(prediction, busiest, Duration.ofSeconds(2L * warmupSeconds));
      for (int c : concurrency) {
        for (int round = 1; round <= rounds; round++) {
          // Odd rounds measure without mirror first, even rounds with: drift falls on both.
          int[] order = round % 2 == 1 ? new int[] {0, 100} : new int[] {100, 0};
          for (int mirror : order) runs.add(measure(node, c, round, mirror));
        }
      }
      abort();
      if (!cassandra.isAlive()) progress("warning: Cassandra exited during the run; see %s", cassandra.log());
    }
    progress("done in %.0f s", (System.nanoTime() - start) / 1e9);
    String table = table(runs);
    System.out.println();
    System.out.println(table);
    if (markdown != null) {
      Files.writeString(markdown, markdownTable(runs), StandardCharsets.UTF_8);
      progress("table written to %s", markdown);
    }
    return runs.stream().anyMatch(r -> r.measurement().errors() > 0) ? 1 : 0;
  }

  private Run measure(ServerProcess node, int c, int round, int mirror) throws IOException, InterruptedException {
    progress("c=%d round %d/%d, mirror %d %%", c, round, rounds, mirror);
    // Rounds alternate the order, so a mode may follow itself: it is then left as it is.
    long[] before = new long[3];
    if (mirror != currentMirror) {
      if (mirror == 100) {
        startShadow();
        awaitAvailable(node, 2);
      } else {
        abort();
      }
      currentMirror = mirror;
    } else if (mirror == 100) {
      before = copies();
    }
    awaitQuiet();
    // The warm-up also covers the routing table's way to the edge and a stopping v2's grace period.
    wrk.run(prediction, c, Duration.ofSeconds(warmupSeconds));
    Measurement m = load(node, c, mirror);
    for (int retry = 0; retry < busyRetries && m.otherCores() >= ServingBenchmark.OTHER_CPU_WARNING; retry++) {
      progress("  others used %.2f cores meanwhile: measuring again", m.otherCores());
      Measurement next = load(node, c, mirror);
      m = next.otherCores() < m.otherCores() ? next : m;
    }
    long[] copies = new long[3];
    if (mirror == 100) {
      long[] after = copies();
      for (int i = 0; i < 3; i++) copies[i] = after[i] - before[i];
    }
    Run run = new Run(round, mirror, m, copies[0], copies[1], copies[2]);
    progress("  %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  %5.0f us CPU/req%s%s%s", m.requestsPerSecond(), m.p50Millis(),
        m.p99Millis(), m.cpuMicrosPerRequest(),
        mirror == 100 ? String.format(Locale.ROOT, "  copies %d compared, %d dropped, %d failed", copies[0], copies[1],
            copies[2]) : "",
        m.errors() == 0 ? "" : "  ERRORS " + m.errors(),
        m.otherCores() < ServingBenchmark.OTHER_CPU_WARNING ? ""
            : String.format(Locale.ROOT, "  (others used %.2f cores meanwhile)", m.otherCores()));
    return run;
  }

  private Measurement load(ServerProcess node, int c, int mirror) throws IOException, InterruptedException {
    OtherCpu others = OtherCpu.start();
    long cpuBefore = node.cpuMicros();
    WrkReport report = wrk.run(prediction, c, Duration.ofSeconds(durationSeconds));
    long cpu = node.cpuMicros() - cpuBefore;
    return new Measurement(mirror + "%", c, report.requests(), report.errors(), report.requestsPerSecond(),
        report.p50Millis(), report.p99Millis(), report.requests() == 0 ? Double.NaN : (double) cpu / report.requests(),
        others.cores());
  }

  // ---- the servers ----

  private ServerProcess startCassandra(int cqlPort) throws IOException, InterruptedException {
    Path home = workDir.resolve("shadow-cassandra").toAbsolutePath();
    deleteRecursively(home); // a fresh journal: no coordinator of an earlier run resumes
    List<String> command = List.of(javaExecutable(), "-Dturnout.project.dir=" + Path.of("").toAbsolutePath(),
        "-cp", nodeJar.toString(), "io.turnout.persistence.cassandra.CassandraLauncher", "start", "--foreground",
        "--home", home.toString(), "--port", Integer.toString(cqlPort),
        "--storage-port", Integer.toString(ServerProcess.freePort()),
        "--heap-mb", Integer.toString(cassandraHeapMb));
    Path log = workDir.resolve("shadow-cassandra.log");
    progress("Cassandra on 127.0.0.1:%d (log %s)", cqlPort, log);
    ServerProcess cassandra = ServerProcess.start("Cassandra", command, Map.of(), log, pidFile);
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!Files.readString(log).contains("running in the foreground")) {
      if (!cassandra.isAlive()) throw new IOException("Cassandra exited before it answered; see " + log);
      if (System.nanoTime() > deadline) throw new IOException("Cassandra not ready after " + READY_TIMEOUT + "; see " + log);
      Thread.sleep(500);
    }
    new Socket("127.0.0.1", cqlPort).close(); // fails at once when CQL does not answer after all
    return cassandra;
  }

  private ServerProcess startNode(int cqlPort) throws IOException, InterruptedException {
    int httpPort = ServerProcess.freePort();
    int adminPort = ServerProcess.freePort();
    token = UUID.randomUUID().toString();
    List<String> command = new ArrayList<>(List.of(javaExecutable(),
        "-Dorg.bytedeco.javacpp.cachedir=" + javacppCache.toAbsolutePath()));
    // The benchmark's Cassandra shares the cores with the node and wrk: it may answer slowly at start.
    command.add("-Ddatastax-java-driver.basic.request.timeout=20s");
    command.addAll(nodeJvmOptions);
    command.addAll(List.of("-jar", nodeJar.toString()));
    Map<String, String> env = new HashMap<>();
    env.put("TF_ENABLE_ONEDNN_OPTS", "0");
    env.put("TF_CPP_MIN_LOG_LEVEL", "2");
    env.put("TURNOUT_MODEL_ROOT", modelsRoot.toAbsolutePath().toString());
    env.put("TURNOUT_HTTP_INTERFACE", "127.0.0.1");
    env.put("TURNOUT_HTTP_PORT", Integer.toString(httpPort));
    env.put("TURNOUT_REMOTE_PORT", Integer.toString(ServerProcess.freePort()));
    env.put("TURNOUT_ADMIN_INTERFACE", "127.0.0.1");
    env.put("TURNOUT_ADMIN_PORT", Integer.toString(adminPort));
    env.put("TURNOUT_ADMIN_TOKEN", token);
    // Rollouts need the coordinator's journal: versions and events in the benchmark's Cassandra.
    env.put("TURNOUT_REGISTRY_SOURCE", "cassandra");
    env.put("TURNOUT_CASSANDRA_CONTACT_POINTS", "127.0.0.1:" + cqlPort);
    env.putAll(nodeEnv);
    if (!nodeEnv.isEmpty()) progress("  node env %s", nodeEnv);
    Path log = workDir.resolve("shadow-turnout.log");
    progress("Turnout node on 127.0.0.1:%d, admin :%d (log %s)", httpPort, adminPort, log);
    ServerProcess node = ServerProcess.start("Turnout node", command, env, log, pidFile);
    node.awaitReady(URI.create("http://127.0.0.1:" + httpPort + "/health/ready"), READY_TIMEOUT);
    admin = URI.create("http://127.0.0.1:" + adminPort + "/admin/models/" + MODEL + "/");
    prediction = URI.create("http://127.0.0.1:" + httpPort + "/v1/models/" + MODEL + ":predict");
    return node;
  }

  // ---- the admin API and the prediction port ----

  /** Every request of v1 copied to v2, for longer than the benchmark runs, under a gate that cannot end it. */
  private void startShadow() throws IOException, InterruptedException {
    String plan = "{\"targetVersion\": 2, \"phases\": [{\"kind\": \"shadow\", \"mirror\": 100, \"duration\": \"1d\","
        + " \"gate\": {\"minSamples\": 2000000000, \"minAgreement\": 0, \"maxP99Ratio\": 1000, \"maxErrorRate\": 1}}]}";
    HttpResponse<String> started = adminCall("POST", "rollouts", plan);
    if (started.statusCode() != 201 && started.statusCode() != 200) {
      throw new IOException("starting the shadow rollout answered " + started.statusCode() + ": " + started.body());
    }
  }

  /** Back to v1 alone, no mirror; v2 stops. Nothing to do when no rollout runs. */
  private void abort() throws IOException, InterruptedException {
    HttpResponse<String> aborted = adminCall("POST", "rollout/abort", "{\"reason\": \"shadow benchmark\"}");
    if (aborted.statusCode() != 200 && aborted.statusCode() != 409) {
      throw new IOException("aborting answered " + aborted.statusCode() + ": " + aborted.body());
    }
  }

  /**
   * The copies of the running shadow phase as its coordinator last reported them (its status's last
   * decision), once the edge's reports have caught up: two reads a report interval apart agree.
   */
  private long[] copies() throws IOException, InterruptedException {
    long[] last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      HttpResponse<String> status = adminCall("GET", "rollout", null);
      Matcher m = COPIES.matcher(status.body());
      long[] now = m.find()
          ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))}
          : null;
      if (now != null && last != null && now[0] == last[0] && now[1] == last[1]) return now;
      last = now;
      Thread.sleep(1_200);
    }
    if (last == null) throw new IOException("the shadow phase's status names no copies");
    return last;
  }

  private HttpResponse<String> adminCall(String method, String path, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitAvailable(ServerProcess node, long version) throws IOException, InterruptedException {
    URI status = URI.create(prediction.toString().replace(":predict", "/versions/" + version));
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      if (!node.isAlive()) throw new IOException("the node exited; see " + node.log());
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(status).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().contains("\"AVAILABLE\"")) return;
      } catch (IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) throw new IOException("version " + version + " not available; see " + node.log());
      Thread.sleep(250);
    }
  }

  /** Waits until a request without a version is answered by {@code version}: the table reached the edge. */
  private void awaitServedBy(String version) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(prediction).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(Wrk.BODY)).build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200 && version.equals(response.headers().firstValue("Turnout-Model-Version").orElse(""))) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("requests are not served by version " + version + ": " + response.statusCode() + " "
            + response.headers().firstValue("Turnout-Model-Version").orElse("?") + " " + response.body());
      }
      Thread.sleep(100);
    }
  }

  private void awaitQuiet() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(awaitQuietSeconds).toNanos();
    while (awaitQuietSeconds > 0) {
      OtherCpu others = OtherCpu.start();
      Thread.sleep(2_000);
      double cores = others.cores();
      if (cores < ServingBenchmark.OTHER_CPU_WARNING) return;
      if (System.nanoTime() > deadline) {
        progress("  warning: other processes use %.2f cores; figures will be noisy", cores);
        return;
      }
    }
  }

  // ---- the report ----

  private record Summary(int c, int mirror, double rate, double p50, double p99, double cpu, long compared,
      long dropped, double others) {}

  private Summary summary(List<Run> runs, int c, int mirror) {
    List<Run> mine = runs.stream().filter(r -> r.measurement().concurrency() == c && r.mirrorPercent() == mirror).toList();
    return new Summary(c, mirror,
        median(mine.stream().mapToDouble(r -> r.measurement().requestsPerSecond()).toArray()),
        median(mine.stream().mapToDouble(r -> r.measurement().p50Millis()).toArray()),
        median(mine.stream().mapToDouble(r -> r.measurement().p99Millis()).toArray()),
        median(mine.stream().mapToDouble(r -> r.measurement().cpuMicrosPerRequest()).toArray()),
        mine.stream().mapToLong(Run::compared).sum(),
        mine.stream().mapToLong(Run::dropped).sum(),
        mine.stream().mapToDouble(r -> r.measurement().otherCores()).max().orElse(0));
  }

  /** Each round's p99 with mirror over its p99 without. */
  private List<Double> pairedRatios(List<Run> runs, int c) {
    List<Double> ratios = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      int r = round;
      Measurement without = find(runs, c, r, 0);
      Measurement with = find(runs, c, r, 100);
      if (without != null && with != null) ratios.add(with.p99Millis() / without.p99Millis());
    }
    return ratios;
  }

  private static Measurement find(List<Run> runs, int c, int round, int mirror) {
    return runs.stream().filter(r -> r.round() == round && r.mirrorPercent() == mirror
        && r.measurement().concurrency() == c).map(Run::measurement).findFirst().orElse(null);
  }

  String table(List<Run> runs) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Shadow mirroring: %s v1 serves, v2 shadows; median of %d runs of %d s per row%n",
        MODEL, rounds, durationSeconds));
    out.append(String.format(Locale.ROOT, "%4s %7s %9s %9s %9s %10s %22s %8s%n", "c", "mirror", "req/s", "p50 ms",
        "p99 ms", "CPU us/req", "copies compared/drop", "others"));
    for (int c : concurrency) {
      for (int mirror : new int[] {0, 100}) {
        Summary s = summary(runs, c, mirror);
        out.append(String.format(Locale.ROOT, "%4d %6d%% %9.0f %9.3f %9.3f %10.0f %22s %8.2f%n", c, mirror, s.rate(),
            s.p50(), s.p99(), s.cpu(), mirror == 0 ? "-" : s.compared() + "/" + s.dropped(), s.others()));
      }
      out.append(ratioLine(runs, c)).append('\n');
    }
    return out.toString();
  }

  private String ratioLine(List<Run> runs, int c) {
    double ratio = summary(runs, c, 100).p99() / summary(runs, c, 0).p99();
    double p50Ratio = summary(runs, c, 100).p50() / summary(runs, c, 0).p50();
    List<String> paired = pairedRatios(runs, c).stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList();
    return String.format(Locale.ROOT, "     c=%d: p99 100 %%/0 %% = %.2f (rounds: %s), p50 %.2f; target <= %.2f: %s", c,
        ratio, String.join(", ", paired), p50Ratio, TARGET_RATIO, ratio <= TARGET_RATIO ? "met" : "MISSED");
  }

  private String markdownTable(List<Run> runs) {
    StringBuilder md = new StringBuilder("| c | mirror | req/s | p50 ms | p99 ms | CPU µs/req | copies compared/dropped |\n"
        + "|---|---|---|---|---|---|---|\n");
    for (int c : concurrency) {
      for (int mirror : new int[] {0, 100}) {
        Summary s = summary(runs, c, mirror);
        md.append(String.format(Locale.ROOT, "| %d | %d %% | %.0f | %.3f | %.3f | %.0f | %s |%n", c, mirror, s.rate(),
            s.p50(), s.p99(), s.cpu(), mirror == 0 ? "–" : s.compared() + " / " + s.dropped()));
      }
    }
    md.append('\n');
    for (int c : concurrency) md.append("- ").append(ratioLine(runs, c).strip()).append('\n');
    return md.toString();
  }

  static double median(double[] values) {
    if (values.length == 0) return Double.NaN;
    double[] sorted = values.clone();
    java.util.Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  // ---- helpers ----

  private static String javaExecutable() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.delete(path);
    }
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[%s] %s%n", LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
        String.format(Locale.ROOT, format, args));
  }
}
