package io.turnout.multijvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.turnout.multijvm.harness.ClusterExtension;
import io.turnout.multijvm.harness.PidRegistry;
import io.turnout.multijvm.harness.Report;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The operator's scripts as an operator runs them, from the repository root:
 * {@code ops/bin/turnout-cluster start --nodes 3} and {@code status}, {@code ops/bin/turnout-load}
 * through the cluster's nginx during {@code rolling-restart}, then {@code stop}, after which none
 * of the processes the scripts recorded runs and none of their ports is taken.
 *
 * <p>Neither a developer's cluster nor the other scenarios are in the way: every port comes from a
 * block found free (the scripts' environment variables), and the cluster's state folder, its
 * Cassandra and its models live in a run folder under {@code target/cluster-script/}. It runs
 * after the other scenarios, with their shared cluster stopped first.
 */
@Order(5)
@ExtendWith(ClusterExtension.StopShared.class)
class ClusterScriptIT {
  private static final int NODES = 3;
  private static final int RATE = 100;
  private static final Duration START_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration STATUS_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration RESTART_TIMEOUT = Duration.ofMinutes(8);
  private static final Duration STOP_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration LOAD_EXIT_TIMEOUT = Duration.ofMinutes(1);
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[;\\d]*m");
  private static final Pattern SUMMARY = Pattern.compile(
      "(\\d+) requests \\((\\d+)/s\\), (\\d+) failed, p50 [\\d.]+ ms, p99 [\\d.]+ ms, max [\\d.]+ ms");
  private static final Pattern EXITED = Pattern.compile("(node-\\d+): exited after (\\d+) s");
  private static final Pattern BACK = Pattern.compile("(node-\\d+): back, .*\\((\\d+) s\\)");
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private static Path projectDir;
  private static Path runDir;
  private static Ports ports;
  private static PidRegistry pids;
  private static final Map<String, String> env = new LinkedHashMap<>();
  /** Every process the scripts' pid files named at some point, with its descendants (nginx's workers). */
  private static final Map<ProcessHandle, String> recorded = new ConcurrentHashMap<>();
  private static Process load;
  private static boolean stopped;

  @BeforeAll
  static void prepare() throws IOException {
    projectDir = Path.of(System.getProperty("turnout.project.dir", "..")).toAbsolutePath().normalize();
    assertTrue(Files.isExecutable(projectDir.resolve("ops/bin/turnout-cluster")), "no ops/bin/turnout-cluster in " + projectDir);
    Path runs = Path.of("target", "cluster-script").toAbsolutePath();
    cleanEarlierRuns(runs);
    runDir = runs.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Files.createDirectories(runDir.resolve("logs"));
    pids = new PidRegistry(runDir);
    ports = Ports.free();

    // Only this run's settings: none of the developer's TURNOUT_* variables may point elsewhere.
    env.putAll(System.getenv());
    env.keySet().removeIf(name -> name.startsWith("TURNOUT_") && !name.equals("TURNOUT_NGINX") && !name.equals("TURNOUT_MAVEN"));
    env.put("TURNOUT_CLUSTER_STATE", runDir.resolve("state").toString());
    env.put("TURNOUT_CLUSTER_HTTP_BASE", Integer.toString(ports.httpBase()));
    env.put("TURNOUT_CLUSTER_ADMIN_BASE", Integer.toString(ports.adminBase()));
    env.put("TURNOUT_CLUSTER_REMOTE_BASE", Integer.toString(ports.remoteBase()));
    env.put("TURNOUT_CLUSTER_MANAGEMENT_BASE", Integer.toString(ports.managementBase()));
    env.put("TURNOUT_LB_PORT", Integer.toString(ports.lb()));
    env.put("TURNOUT_CASSANDRA_PORT", Integer.toString(ports.cassandra()));
    env.put("TURNOUT_CASSANDRA_STORAGE_PORT", Integer.toString(ports.cassandraStorage()));
    env.put("TURNOUT_CASSANDRA_HOME", runDir.resolve("cassandra").toString());
    env.put("TURNOUT_MODEL_ROOT", runDir.resolve("models").toString());
    // As in the other scenarios (docs/operations.md, Multi-JVM tests): two cores carry it all.
    env.put("JAVA_OPTS", ("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC "
        + System.getProperty("turnout.multijvm.node-jvm-options", "")).strip());
    // The first Cassandra start resolves its classpath with Maven: the one running this build.
    String mavenHome = System.getProperty("maven.home", "");
    if (!mavenHome.isBlank() && Files.isExecutable(Path.of(mavenHome, "bin", "mvn"))) {
      env.putIfAbsent("TURNOUT_MAVEN", Path.of(mavenHome, "bin", "mvn").toString());
    }
    say("run folder " + runDir + "; ports " + ports);
    // Should this JVM be stopped before @AfterAll: nothing the scripts started outlives it.
    Runtime.getRuntime().addShutdownHook(new Thread(ClusterScriptIT::killSurvivors, "cluster-script-kill"));
  }

  @Test
  void startStatusRollingRestartUnderLoadThenStopLeavesNothingBehind() throws Exception {
    long begun = System.nanoTime();
    Report report = new Report("Operator scripts: turnout-cluster start, status, rolling-restart under turnout-load, stop");
    report.row("ports", "nodes %d-%d, nginx %d, Cassandra %d/%d", ports.base() + 1, ports.base() + 4 * NODES,
        ports.lb(), ports.cassandra(), ports.cassandraStorage());

    // 1. start and status
    Outcome start = script("start", START_TIMEOUT, "start", "--nodes", Integer.toString(NODES));
    recordStarted();
    assertEquals(0, start.exitCode(), "turnout-cluster start:\n" + start.text());
    assertEquals(List.of("cassandra", "load balancer", "nginx", "node-1", "node-2", "node-3"),
        recorded.values().stream().filter(what -> !what.contains(" child")).sorted().toList(),
        "processes named by pid files in the run's state folder and Cassandra home");
    // The nodes' registry tables are in this run's Cassandra, not in one on the default port.
    assertTrue(Files.isDirectory(runDir.resolve("cassandra/storage/data/turnout")),
        "keyspace turnout in " + runDir.resolve("cassandra/storage/data"));
    report.row("start --nodes " + NODES, "exit 0 in %.1f s", start.seconds());

    Outcome status = script("status", STATUS_TIMEOUT, "status");
    assertEquals(0, status.exitCode(), "turnout-cluster status:\n" + status.text());
    List<List<String>> rows = status.lines().stream().filter(line -> line.startsWith("node-"))
        .map(line -> List.of(line.trim().split("\\s+"))).toList();
    assertEquals(NODES, rows.size(), "one row per node:\n" + status.text());
    for (int i = 1; i <= NODES; i++) {
      List<String> row = rows.get(i - 1);
      assertTrue(row.size() > 7 && row.get(1).matches("\\d+"), "a running node's row:\n" + status.text());
      assertEquals(List.of("node-" + i, Integer.toString(ports.httpBase() + i), Integer.toString(ports.adminBase() + i),
          Integer.toString(ports.remoteBase() + i), Integer.toString(ports.managementBase() + i), "200"),
          List.of(row.get(0), row.get(2), row.get(3), row.get(4), row.get(5), row.get(6)),
          "node, ports, readiness:\n" + status.text());
      assertEquals(NODES + " Up of " + NODES, String.join(" ", row.subList(7, row.size())), status.text());
      assertTrue(ProcessHandle.of(Long.parseLong(row.get(1))).map(ClusterScriptIT::running).orElse(false),
          "node-" + i + "'s pid runs:\n" + status.text());
    }
    assertTrue(status.lines().contains("healthy"), status.text());
    report.row("status", "exit 0: %d nodes ready, each sees %d Up of %d", NODES, NODES, NODES);

    // 2. rolling restart under load through the script's nginx
    Path loadOut = runDir.resolve("logs/turnout-load.out");
    CompletableFuture<String> firstProgress = new CompletableFuture<>();
    long loadBegun = System.nanoTime();
    ProcessBuilder loadCommand = new ProcessBuilder(projectDir.resolve("ops/bin/turnout-load").toString(),
        "--rate", Integer.toString(RATE), "--url", "http://127.0.0.1:" + ports.lb() + "/v1/models/iris:predict")
        .directory(projectDir.toFile())
        .redirectOutput(loadOut.toFile());
    loadCommand.environment().clear();
    loadCommand.environment().putAll(env);
    load = loadCommand.start();
    load.getOutputStream().close();
    pump(load.getErrorStream(), "turnout-load", runDir.resolve("logs/turnout-load.err"), line -> {
      if (line.startsWith("[")) firstProgress.complete(line);
    });
    String progress = firstProgress.get(60, TimeUnit.SECONDS);
    assertTrue(!progress.contains(" 0 answered"), "turnout-load got answers before the restart: " + progress);

    Outcome restart = script("rolling-restart", RESTART_TIMEOUT, "rolling-restart");
    recordStarted();
    assertEquals(0, restart.exitCode(), "turnout-cluster rolling-restart:\n" + restart.text());
    report.row("rolling-restart", "exit 0 in %.1f s (%s)", restart.seconds(), perNode(restart));

    load.toHandle().destroy(); // SIGTERM, as `kill %1`
    double loadSeconds = (System.nanoTime() - loadBegun) / 1e9;
    assertTrue(load.waitFor(LOAD_EXIT_TIMEOUT.toSeconds(), TimeUnit.SECONDS),
        "turnout-load exits within " + LOAD_EXIT_TIMEOUT.toSeconds() + " s of SIGTERM");
    String loadText = Files.readString(loadOut, StandardCharsets.UTF_8);
    List<String> loadLines = loadText.lines().toList();
    say("turnout-load printed:\n" + loadText.strip());
    assertEquals(0, load.exitValue(), "turnout-load's exit code after SIGTERM:\n" + loadText);
    Matcher summary = SUMMARY.matcher(loadLines.isEmpty() ? "" : loadLines.get(0));
    assertTrue(summary.matches(), "a summary on the first line:\n" + loadText);
    long requests = Long.parseLong(summary.group(1));
    assertEquals(RATE, Integer.parseInt(summary.group(2)), loadText);
    assertEquals(0, Long.parseLong(summary.group(3)), "failed requests:\n" + loadText);
    assertTrue(requests >= 0.9 * RATE * loadSeconds,
        "about " + RATE + "/s for " + Math.round(loadSeconds) + " s (open loop): " + requests + " requests");
    assertEquals("statuses: {200=" + requests + "}", loadLines.get(1), loadText);
    report.row("turnout-load --rate " + RATE, "exit 0 after SIGTERM: %s", loadLines.get(0));

    // 3. stop: nothing left running, no port taken
    recordStarted();
    Outcome stop = script("stop", STOP_TIMEOUT, "stop");
    assertEquals(0, stop.exitCode(), "turnout-cluster stop:\n" + stop.text());
    stopped = true;
    List<String> survivors = awaitNoneRunning(Duration.ofSeconds(10));
    assertEquals(List.of(), survivors, "processes the scripts started that still run after stop");
    List<Integer> taken = ports.all().stream().filter(port -> !Ports.free(port)).toList();
    assertEquals(List.of(), taken, "ports still taken after stop");
    report.row("stop", "exit 0 in %.1f s; none of the %d processes recorded runs, %d ports free", stop.seconds(),
        recorded.size(), ports.all().size());
    report.row("total", "%.1f s", (System.nanoTime() - begun) / 1e9);
    report.print();
  }

  @AfterAll
  static void stopEverything() {
    if (load != null && load.isAlive()) load.destroyForcibly();
    if (!stopped && runDir != null && Files.isDirectory(runDir.resolve("state"))) {
      try {
        recordStarted();
        script("stop (clean-up)", STOP_TIMEOUT, "stop");
      } catch (RuntimeException | AssertionError | IOException e) {
        say("clean-up stop failed: " + e);
      }
    }
    killSurvivors();
  }

  // ---- the scripts ----

  record Outcome(int exitCode, List<String> lines, double seconds) {
    String text() {
      return String.join("\n", lines);
    }
  }

  /** Runs {@code ops/bin/turnout-cluster args} from the repository root; its output goes to the test's, prefixed. */
  private static Outcome script(String label, Duration timeout, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(projectDir.resolve("ops/bin/turnout-cluster").toString()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(projectDir.toFile()).redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().putAll(env);
    long begun = System.nanoTime();
    Process process = builder.start();
    process.getOutputStream().close();
    List<String> lines = new CopyOnWriteArrayList<>();
    Thread pump = pump(process.getInputStream(), "turnout-cluster " + label,
        runDir.resolve("logs/turnout-cluster-" + label.replace(' ', '-') + ".log"), lines::add);
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        // Only the script: what it started yet stays for stop and the clean-up.
        process.destroyForcibly();
        fail("turnout-cluster " + String.join(" ", args) + " did not finish within " + timeout.toSeconds() + " s:\n"
            + String.join("\n", lines));
      }
      pump.join(Duration.ofSeconds(10).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      throw new IllegalStateException(e);
    }
    return new Outcome(process.exitValue(), List.copyOf(lines), (System.nanoTime() - begun) / 1e9);
  }

  /** Copies a process's output, colours removed, to the test's output, a log file and {@code consumer}. */
  private static Thread pump(InputStream stream, String label, Path log, Consumer<String> consumer) {
    Thread thread = new Thread(() -> {
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8));
           PrintWriter file = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
        String line;
        while ((line = reader.readLine()) != null) {
          String plain = ANSI.matcher(line).replaceAll("");
          System.out.println("[" + label + "] " + plain);
          file.println(plain);
          file.flush();
          consumer.accept(plain);
        }
      } catch (IOException e) {
        // the process ended or was killed
      }
    }, "pump " + label);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** "node-1 exited after 12 s, back in 35 s; …" from the script's own lines. */
  private static String perNode(Outcome restart) {
    Map<String, String> exited = new LinkedHashMap<>();
    Map<String, String> back = new LinkedHashMap<>();
    for (String line : restart.lines()) {
      Matcher e = EXITED.matcher(line);
      if (e.find()) exited.put(e.group(1), e.group(2));
      Matcher b = BACK.matcher(line);
      if (b.find()) back.put(b.group(1), b.group(2));
    }
    return exited.entrySet().stream().map(node -> node.getKey() + " exited after " + node.getValue() + " s, healthy "
        + back.getOrDefault(node.getKey(), "?") + " s after SIGTERM").collect(Collectors.joining("; "));
  }

  // ---- what the scripts started ----

  /** Records every process that the scripts' pid files name now, with its descendants. */
  private static void recordStarted() {
    Path state = runDir.resolve("state");
    Map<String, Path> files = new LinkedHashMap<>();
    for (int i = 1; i <= NODES; i++) files.put("node-" + i, state.resolve("node-" + i + ".pid"));
    files.put("nginx", state.resolve("nginx/nginx.pid")); // before the load balancer, its parent
    files.put("load balancer", state.resolve("lb.pid"));
    files.put("cassandra", runDir.resolve("cassandra/cassandra.pid"));
    files.forEach((what, file) -> readPid(file).flatMap(ProcessHandle::of).filter(ClusterScriptIT::running).ifPresent(process -> {
      remember(what, process);
      process.descendants().forEach(child -> remember(what + " child " + child.info().command().orElse("?"), child));
    }));
  }

  private static void remember(String what, ProcessHandle process) {
    if (recorded.putIfAbsent(process, what) == null) pids.record(what, process);
  }

  private static Optional<Long> readPid(Path file) {
    try {
      return Files.isRegularFile(file) ? Optional.of(Long.parseLong(Files.readString(file).strip())) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Alive and not a zombie waiting for a parent that does not reap it (a ProcessHandle counts those alive). */
  private static boolean running(ProcessHandle process) {
    if (!process.isAlive()) return false;
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 1).strip().startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return process.isAlive();
    }
  }

  private static List<String> survivors() {
    return recorded.entrySet().stream().filter(entry -> running(entry.getKey()))
        .map(entry -> entry.getValue() + " (pid " + entry.getKey().pid() + ")").sorted().toList();
  }

  private static List<String> awaitNoneRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> left = survivors();
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      left = survivors();
    }
    return left;
  }

  private static synchronized void killSurvivors() {
    if (load != null && load.isAlive()) load.destroyForcibly();
    recorded.keySet().stream().filter(ClusterScriptIT::running).forEach(process -> {
      say("killing " + recorded.get(process) + " (pid " + process.pid() + "), still running");
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    });
  }

  private static void cleanEarlierRuns(Path runs) throws IOException {
    if (!Files.isDirectory(runs)) return;
    try (Stream<Path> folders = Files.list(runs)) {
      for (Path folder : folders.filter(Files::isDirectory).toList()) {
        PidRegistry.killLeftovers(folder, ClusterScriptIT::say);
        try (Stream<Path> paths = Files.walk(folder)) {
          for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
        }
      }
    }
  }

  private static void say(String line) {
    System.out.println("[cluster-script " + LocalTime.now().format(CLOCK) + "] " + line);
  }

  /**
   * The ports of one run, a block of consecutive ones above {@code base}: the script's bases
   * (node i uses base + i), then nginx, Cassandra's CQL and storage ports. Below Linux's ephemeral
   * range (32768 and up), so an outgoing connection cannot take one meanwhile, and away from the
   * script's defaults (8080, 9090, 25520, 8558, 9042, 7000), so a developer's cluster started
   * meanwhile cannot either.
   */
  record Ports(int base) {
    static final int LOWEST = 12_000;
    static final int BLOCKS = 400;
    static final int BLOCK = 20;

    int httpBase() {
      return base;
    }

    int adminBase() {
      return base + NODES;
    }

    int remoteBase() {
      return base + 2 * NODES;
    }

    int managementBase() {
      return base + 3 * NODES;
    }

    int lb() {
      return base + 4 * NODES + 1;
    }

    int cassandra() {
      return base + 4 * NODES + 2;
    }

    int cassandraStorage() {
      return base + 4 * NODES + 3;
    }

    List<Integer> all() {
      return IntStream.rangeClosed(base + 1, cassandraStorage()).boxed().toList();
    }

    /** A block, picked at random so that parallel runs rarely try the same one, whose every port is free. */
    static Ports free() {
      Random random = new Random();
      for (int attempt = 0; attempt < 100; attempt++) {
        Ports ports = new Ports(LOWEST + random.nextInt(BLOCKS) * BLOCK);
        if (ports.all().stream().allMatch(Ports::free)) return ports;
      }
      throw new IllegalStateException("no block of " + (4 * NODES + 3) + " free ports between " + LOWEST + " and "
          + (LOWEST + BLOCKS * BLOCK));
    }

    /** Nothing listens on it: a server could bind it now (with SO_REUSEADDR, as servers do). */
    static boolean free(int port) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return true;
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "http base %d, admin base %d, remoting base %d, management base %d, nginx %d, "
          + "Cassandra %d (storage %d)", httpBase(), adminBase(), remoteBase(), managementBase(), lb(), cassandra(),
          cassandraStorage());
    }
  }
}
