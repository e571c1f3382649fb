package io.turnout.ops.bench;

import io.turnout.ops.models.DemoModels;
import java.io.IOException;
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
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The serving benchmark: for each model, (a) in-process TensorFlow (the ceiling), (b) the naive
 * Pekko HTTP server and (c) a Turnout node, each in a JVM of its own, one after the other, at each
 * concurrency for a fixed duration after a warm-up; then one table per model with the ratios
 * Turnout/naive and Turnout/ceiling. Progress goes to stderr, the tables to stdout.
 */
@Command(
    name = "turnout-bench",
    mixinStandardHelpOptions = true,
    description =
        "Measures in-process TensorFlow, a naive Pekko HTTP server and a Turnout node on 127.0.0.1.")
public final class ServingBenchmark implements Callable<Integer> {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

  /** Other processes using this much CPU (in cores) during a run make its figures doubtful. */
  static final double OTHER_CPU_WARNING = 0.10;
  private static final Map<String, String> DESCRIPTIONS =
      Map.of(DemoModels.IRIS, "MLP 4-16-3", DemoModels.WIDE, "MLP 4-1024-1024-3");

  @Option(
      names = "--models-root",
      defaultValue = ".cache/bench-models",
      description = "Where the demo models are built when missing (default: ${DEFAULT-VALUE}).")
  Path modelsRoot;

  @Option(
      names = "--models",
      split = ",",
      defaultValue = "iris,wide",
      description = "Models to measure (default: ${DEFAULT-VALUE}).")
  List<String> models;

  @Option(
      names = "--systems",
      split = ",",
      defaultValue = "ceiling,naive,turnout",
      description = "Systems to measure (default: ${DEFAULT-VALUE}).")
  List<String> systems;

  @Option(
      names = "--concurrency",
      split = ",",
      defaultValue = "1,16,64",
      description = "Concurrencies (default: ${DEFAULT-VALUE}).")
  List<Integer> concurrency;

  @Option(
      names = "--duration",
      defaultValue = "10",
      description = "Measured seconds per run (default: ${DEFAULT-VALUE}).")
  int durationSeconds;

  @Option(
      names = "--warmup",
      defaultValue = "5",
      description = "Warm-up seconds before each measured run (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(
      names = "--node-jar",
      defaultValue = "cluster-node/target/turnout-node.jar",
      description = "The Turnout node (default: ${DEFAULT-VALUE}).")
  Path nodeJar;

  @Option(
      names = "--node-env",
      description = "Extra environment for the node, e.g. TURNOUT_MAX_BATCH_SIZE=32 (repeatable).")
  Map<String, String> nodeEnv = new LinkedHashMap<>();

  @Option(
      names = "--server-jvm-opt",
      description = "Extra JVM option for the naive server and the node alike (repeatable).")
  List<String> serverJvmOptions = new ArrayList<>();

  @Option(
      names = "--node-jvm-opt",
      description = "Extra JVM option for the node only (repeatable).")
  List<String> nodeJvmOptions = new ArrayList<>();

  @Option(
      names = "--javacpp-cache",
      defaultValue = ".cache/javacpp",
      description = "Where JavaCPP unpacks TensorFlow's native library (default: ${DEFAULT-VALUE}).")
  Path javacppCache;

  @Option(
      names = "--work-dir",
      defaultValue = ".cache/bench",
      description = "Server logs and the wrk script (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(names = "--pid-file", description = "Appends the pid of every server it starts.")
  Path pidFile;

  @Option(names = "--markdown", description = "Also writes the tables as Markdown to this file.")
  Path markdown;

  @Option(
      names = "--await-quiet",
      defaultValue = "0",
      description =
          "Before each system, wait up to this many seconds for other processes to leave the CPU"
              + " alone (default: ${DEFAULT-VALUE}, only warn).")
  int awaitQuietSeconds;

  @Option(
      names = "--busy-retries",
      defaultValue = "1",
      description =
          "Measure a run again up to this many times while other processes use the CPU; the"
              + " least disturbed one counts (default: ${DEFAULT-VALUE}).")
  int busyRetries;

  @Option(names = "--wrk", defaultValue = "wrk", description = "The wrk executable.")
  String wrkExecutable;

  private Wrk wrk;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ServingBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    for (String system : systems) {
      if (!ReportTable.SYSTEMS.contains(system)) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "unknown system " + system + "; known: " + ReportTable.SYSTEMS);
      }
    }
    if (systems.contains(ReportTable.TURNOUT) && !Files.isRegularFile(nodeJar)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "no node jar at " + nodeJar + " (build cluster-node first)");
    }
    progress("models under %s", modelsRoot.toAbsolutePath());
    DemoModels.ensure(modelsRoot, line -> progress("  %s", line));
    wrk = Wrk.create(wrkExecutable, workDir);
    long start = System.nanoTime();
    progress(
        "%d model(s) x %d system(s) x concurrency %s, %d s measured after %d s warm-up each",
        models.size(), systems.size(), concurrency, durationSeconds, warmupSeconds);

    List<ReportTable.ModelResult> results = new ArrayList<>();
    for (String model : models) {
      results.add(measure(model));
    }
    progress("done in %.0f s", (System.nanoTime() - start) / 1e9);

    StringBuilder md = new StringBuilder();
    System.out.println();
    for (ReportTable.ModelResult result : results) {
      boolean throughputTarget = result.model().equals(DemoModels.WIDE);
      System.out.println(ReportTable.text(result, concurrency, throughputTarget));
      md.append("### ").append(result.model()).append(" (").append(result.description());
      md.append(")\n\n").append(ReportTable.markdown(result, concurrency, throughputTarget));
      md.append('\n');
    }
    if (markdown != null) {
      Files.writeString(markdown, md.toString(), StandardCharsets.UTF_8);
      progress("tables written to %s", markdown);
    }
    return results.stream().anyMatch(r -> !r.failures().isEmpty()) ? 1 : 0;
  }

  private ReportTable.ModelResult measure(String model) throws IOException, InterruptedException {
    Path version = latestVersion(model);
    String description =
        DESCRIPTIONS.getOrDefault(model, model) + ", " + modelsRoot.relativize(version);
    List<Measurement> rows = new ArrayList<>();
    Map<String, String> failures = new HashMap<>();
    for (String system : ReportTable.SYSTEMS) {
      if (!systems.contains(system)) {
        continue;
      }
      progress("%s / %s", model, system);
      awaitQuiet();
      try {
        rows.addAll(
            switch (system) {
              case ReportTable.CEILING -> ceiling(model, version);
              case ReportTable.NAIVE -> naive(model, version);
              default -> turnout(model);
            });
      } catch (IOException | RuntimeException e) {
        progress("  %s failed: %s", system, e.getMessage());
        failures.put(system, firstLine(e.getMessage()));
      }
    }
    return new ReportTable.ModelResult(model, description, rows, failures);
  }

  /**
   * Samples what other processes use for two seconds, until they use less than {@link
   * #OTHER_CPU_WARNING} of a core or {@code --await-quiet} runs out; warns when they do not.
   */
  private void awaitQuiet() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(awaitQuietSeconds).toNanos();
    while (true) {
      OtherCpu others = OtherCpu.start();
      Thread.sleep(2_000);
      double cores = others.cores();
      if (cores < OTHER_CPU_WARNING) {
        return;
      }
      if (System.nanoTime() > deadline) {
        progress("  warning: other processes use %.2f cores; figures will be low and noisy", cores);
        return;
      }
    }
  }

  /** (a) A JVM that runs {@link TensorFlowCeiling} and prints its measurements. */
  private List<Measurement> ceiling(String model, Path version)
      throws IOException, InterruptedException {
    List<String> command = java(List.of());
    command.addAll(
        List.of(
            TensorFlowCeiling.class.getName(),
            "--model",
            version.toString(),
            "--concurrency",
            String.join(",", concurrency.stream().map(String::valueOf).toList()),
            "--duration",
            Integer.toString(durationSeconds),
            "--warmup",
            Integer.toString(warmupSeconds),
            "--busy-retries",
            Integer.toString(busyRetries),
            "--busy-cores",
            Double.toString(OTHER_CPU_WARNING)));
    Path log = workDir.resolve(model + "-ceiling.log");
    try (ServerProcess jvm =
        ServerProcess.start("ceiling", command, tensorflowEnv(), log, pidFile)) {
      List<Measurement> rows = new ArrayList<>();
      long timeout =
          (long) concurrency.size() * (durationSeconds * (1L + busyRetries) + warmupSeconds) + 120;
      long deadline = System.nanoTime() + Duration.ofSeconds(timeout).toNanos();
      int seen = 0;
      while (rows.size() < concurrency.size()) {
        if (System.nanoTime() > deadline) {
          throw new IOException("ceiling did not finish in " + timeout + " s; see " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        for (String line : lines.subList(seen, lines.size())) {
          if (Measurement.isLine(line)) {
            Measurement m = Measurement.parseLine(line);
            rows.add(m);
            progress("  %s", summary(m));
          }
        }
        seen = lines.size();
        if (rows.size() < concurrency.size() && !isAlive(jvm)) {
          throw new IOException("ceiling JVM exited early; see " + log);
        }
        Thread.sleep(500);
      }
      return rows;
    }
  }

  /** (b) The naive server in its own JVM, loaded with wrk. */
  private List<Measurement> naive(String model, Path version)
      throws IOException, InterruptedException {
    int port = ServerProcess.freePort();
    List<String> command = java(serverJvmOptions);
    command.addAll(
        List.of(
            NaiveServer.class.getName(),
            "--model",
            version.toString(),
            "--name",
            model,
            "--port",
            Integer.toString(port)));
    Path log = workDir.resolve(model + "-naive.log");
    try (ServerProcess server =
        ServerProcess.start("naive server", command, tensorflowEnv(), log, pidFile)) {
      server.awaitReady(URI.create("http://127.0.0.1:" + port + "/health"), READY_TIMEOUT);
      return load(ReportTable.NAIVE, server, predictUrl(port, model));
    }
  }

  /** (c) A Turnout node in its own JVM, loaded with wrk. */
  private List<Measurement> turnout(String model) throws IOException, InterruptedException {
    int httpPort = ServerProcess.freePort();
    int remotePort = ServerProcess.freePort();
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.add("-Dorg.bytedeco.javacpp.cachedir=" + javacppCache.toAbsolutePath());
    command.addAll(serverJvmOptions);
    command.addAll(nodeJvmOptions);
    if (!nodeJvmOptions.isEmpty()) {
      progress("  node JVM options %s", nodeJvmOptions);
    }
    command.addAll(List.of("-jar", nodeJar.toString()));
    Map<String, String> env = tensorflowEnv();
    env.put("TURNOUT_MODEL_ROOT", modelsRoot.toAbsolutePath().toString());
    env.put("TURNOUT_HTTP_INTERFACE", "127.0.0.1");
    env.put("TURNOUT_HTTP_PORT", Integer.toString(httpPort));
    env.put("TURNOUT_REMOTE_PORT", Integer.toString(remotePort));
    // Serving is what is measured: versions from the model folder, no Cassandra needed.
    env.put("TURNOUT_REGISTRY_SOURCE", "folder");
    env.put("TURNOUT_ADMIN_INTERFACE", "127.0.0.1");
    env.put("TURNOUT_ADMIN_PORT", Integer.toString(ServerProcess.freePort()));
    env.putAll(nodeEnv);
    if (!nodeEnv.isEmpty()) {
      progress("  node env %s", nodeEnv);
    }
    Path log = workDir.resolve(model + "-turnout.log");
    try (ServerProcess node = ServerProcess.start("Turnout node", command, env, log, pidFile)) {
      node.awaitReady(URI.create("http://127.0.0.1:" + httpPort + "/health/ready"), READY_TIMEOUT);
      return load(ReportTable.TURNOUT, node, predictUrl(httpPort, model));
    }
  }

  /** Checks one prediction, then a warm-up and a measured wrk run per concurrency. */
  private List<Measurement> load(String system, ServerProcess server, URI url)
      throws IOException, InterruptedException {
    awaitPrediction(url);
    List<Measurement> rows = new ArrayList<>();
    for (int c : concurrency) {
      if (warmupSeconds > 0) {
        wrk.run(url, c, Duration.ofSeconds(warmupSeconds));
      }
      Measurement m = measure(system, server, url, c);
      for (int retry = 0; retry < busyRetries && m.otherCores() >= OTHER_CPU_WARNING; retry++) {
        progress("  others used %.2f cores meanwhile: measuring c=%d again", m.otherCores(), c);
        Measurement next = measure(system, server, url, c);
        m = next.otherCores() < m.otherCores() ? next : m;
      }
      rows.add(m);
      progress("  %s", summary(m));
    }
    return rows;
  }

  private Measurement measure(String system, ServerProcess server, URI url, int c)
      throws IOException, InterruptedException {
    OtherCpu others = OtherCpu.start();
    long cpuBefore = server.cpuMicros();
    WrkReport report = wrk.run(url, c, Duration.ofSeconds(durationSeconds));
    long cpu = server.cpuMicros() - cpuBefore;
    return new Measurement(
        system,
        c,
        report.requests(),
        report.errors(),
        report.requestsPerSecond(),
        report.p50Millis(),
        report.p99Millis(),
        report.requests() == 0 ? Double.NaN : (double) cpu / report.requests(),
        others.cores());
  }

  /**
   * Waits until {@code url} predicts: a node is ready before it has loaded every model, and
   * answers 503 meanwhile. Any other answer than 200 with predictions fails the run.
   */
  private static void awaitPrediction(URI url) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest request =
        HttpRequest.newBuilder(url)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Wrk.BODY))
            .build();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200 && response.body().contains("\"predictions\"")) {
        return;
      }
      if (response.statusCode() != 503 || System.nanoTime() > deadline) {
        throw new IOException(
            "POST " + url + " answered " + response.statusCode() + ": " + response.body());
      }
      Thread.sleep(250);
    }
  }

  private static URI predictUrl(int port, String model) {
    return URI.create("http://127.0.0.1:" + port + "/v1/models/" + model + ":predict");
  }

  /** The highest numbered version folder of {@code model}: what TF Serving serves by default. */
  private Path latestVersion(String model) throws IOException {
    try (Stream<Path> versions = Files.list(modelsRoot.resolve(model))) {
      return versions
          .filter(p -> p.getFileName().toString().matches("\\d+"))
          .filter(p -> Files.isRegularFile(p.resolve("saved_model.pb")))
          .max(Comparator.comparingLong(p -> Long.parseLong(p.getFileName().toString())))
          .orElseThrow(() -> new IOException("no version of " + model + " in " + modelsRoot));
    }
  }

  private List<String> java(List<String> jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(javaExecutable());
    command.add("-Dorg.bytedeco.javacpp.cachedir=" + javacppCache.toAbsolutePath());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    return command;
  }

  private static String javaExecutable() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static Map<String, String> tensorflowEnv() {
    Map<String, String> env = new HashMap<>();
    env.put("TF_ENABLE_ONEDNN_OPTS", "0");
    env.put("TF_CPP_MIN_LOG_LEVEL", "2");
    return env;
  }

  private static boolean isAlive(ServerProcess process) {
    return ProcessHandle.of(process.pid()).map(ProcessHandle::isAlive).orElse(false);
  }

  private static String summary(Measurement m) {
    return String.format(
        Locale.ROOT,
        "%-8s c=%-3d %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  %5.0f us CPU/req%s%s",
        m.system(),
        m.concurrency(),
        m.requestsPerSecond(),
        m.p50Millis(),
        m.p99Millis(),
        m.cpuMicrosPerRequest(),
        m.errors() == 0 ? "" : "  ERRORS " + m.errors(),
        m.otherCores() < OTHER_CPU_WARNING
            ? ""
            : String.format(Locale.ROOT, "  (others used %.2f cores meanwhile)", m.otherCores()));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static void progress(String format, Object... args) {
    System.err.printf(
        Locale.ROOT,
        "[%s] %s%n",
        LocalDateTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss")),
        String.format(Locale.ROOT, format, args));
  }
}
