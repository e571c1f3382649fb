package io.turnout.multijvm.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.turnout.multijvm.harness.Admin.Member;
import io.turnout.ops.lb.Backend;
import io.turnout.ops.lb.LoadBalancer;
import io.turnout.ops.lb.Nginx;
import io.turnout.ops.lb.NginxConfig;
import io.turnout.ops.load.FixedRateLoad;
import io.turnout.ops.load.LoadRecord;
import io.turnout.ops.models.DemoModels;
import io.turnout.persistence.cassandra.CassandraLauncher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Turnout cluster on this machine: Apache Cassandra (its own JVM, {@link CassandraLauncher}),
 * the demo Iris models under several names, {@value #NODES} node JVMs from the packaged node on
 * free loopback ports, and nginx in front of their prediction ports ({@link LoadBalancer}, the
 * load balancer ops ships). Everything lives in one folder under {@code target/multi-jvm/}, logs
 * included, and everything is stopped by {@link #close}, by a shutdown hook, and, should this JVM
 * die without either, by the watchdogs (nodes, Cassandra) or the next run (nginx).
 */
public final class LocalCluster implements AutoCloseable {
  public static final int NODES = 3;
  /** The node's drain period: readiness off, still serving, while nginx takes the node out. */
  public static final Duration DRAIN_PERIOD = Duration.ofSeconds(5);
  /** Split brain resolver: how long membership must be stable before unreachable nodes are downed. */
  public static final Duration SBR_STABLE_AFTER = Duration.ofSeconds(3);
  /** How often the load balancer polls readiness. */
  public static final Duration LB_INTERVAL = Duration.ofMillis(200);
  public static final Duration HEALTHY_TIMEOUT = Duration.ofMinutes(4);
  private static final Duration WARM_UP = Duration.ofSeconds(30);

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
  private static final List<String> IRIS_ROWS = List.of("[5.1,3.5,1.4,0.2]", "[6.7,3.0,5.2,2.3]",
      "[5.9,3.0,4.2,1.5]", "[6.3,3.3,6.0,2.5]");

  private final Path runDir;
  private final Path projectDir;
  private final List<String> models;
  private final PidRegistry pids;
  private final String adminToken;
  private final String clusterSecret;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<NodeProcess> extras = new ArrayList<>();
  private final List<String> lbLog = new CopyOnWriteArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private CassandraLauncher cassandraLauncher;
  private volatile CassandraLauncher.Running cassandra;
  private Path watchdogClasses;
  private LoadBalancer lb;
  private int lbPort;
  private boolean closed;

  private LocalCluster(Path runDir, Path projectDir, List<String> models) {
    this.runDir = runDir;
    this.projectDir = projectDir;
    this.models = List.copyOf(models);
    this.pids = new PidRegistry(runDir);
    this.adminToken = randomHex();
    this.clusterSecret = randomHex();
  }

  /** Starts everything and returns once {@link #awaitHealthy} holds; on failure, stops what it started. */
  public static LocalCluster start(List<String> models) {
    Path projectDir = Path.of(System.getProperty("turnout.project.dir", "..")).toAbsolutePath().normalize();
    Path runs = Path.of("target", "multi-jvm").toAbsolutePath();
    cleanEarlierRuns(runs);
    Path runDir = runs.resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    LocalCluster cluster = new LocalCluster(runDir, projectDir, models);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "local-cluster-stop"));
    try {
      cluster.startAll();
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void startAll() {
    long begun = System.nanoTime();
    try {
      Files.createDirectories(runDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    say("run folder " + runDir);
    writeModels();
    launchCassandra();
    watchdogClasses = copyWatchdog();
    List<NodeProcess.Ports> ports = new ArrayList<>();
    for (int i = 1; i <= NODES; i++) ports.add(NodeProcess.Ports.free());
    String seeds = ports.stream().map(NodeProcess.Ports::remotingAddress).collect(Collectors.joining(","));
    for (int i = 1; i <= NODES; i++) {
      NodeProcess node = newNode("node-" + i, ports.get(i - 1), seeds, Map.of(), List.of());
      nodes.add(node);
      node.start();
    }
    awaitMembersAndReady(HEALTHY_TIMEOUT);
    startLoadBalancer();
    awaitHealthy(HEALTHY_TIMEOUT);
    say(String.format(Locale.ROOT, "cluster of %d nodes up, ready and behind nginx in %.1f s", NODES,
        Await.seconds(begun, System.nanoTime())));
    warmUp();
  }

  /**
   * Fresh JVMs answer their first thousands of requests slowly while the JIT compiles the hot
   * path; the scenarios measure a warm cluster, as in production.
   */
  private void warmUp() {
    try {
      // Gently first: a cold node answers its first requests slowly, and an open-loop load piles up.
      FixedRateLoad gentle = load(ClusterExtension.MODELS.get(0), 50);
      Await.sleep(WARM_UP.dividedBy(2));
      LoadRecord first = gentle.stop(Duration.ofSeconds(30));
      FixedRateLoad full = load(ClusterExtension.MODELS.get(0), 150);
      Await.sleep(WARM_UP.dividedBy(2));
      LoadRecord second = full.stop(Duration.ofSeconds(30));
      say("warm-up, " + WARM_UP.toSeconds() + " s: " + first.summary() + " " + first.statuses() + ", then "
          + second.summary() + " " + second.statuses());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  // ---- parts ----

  private void writeModels() {
    Path built = Path.of("target", "demo-models").toAbsolutePath();
    try {
      DemoModels.ensure(built, line -> {});
      for (String model : models) {
        for (String version : List.of("1", "2")) {
          copyTree(built.resolve(DemoModels.IRIS).resolve(version), runDir.resolve("models").resolve(model).resolve(version));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the models", e);
    }
  }

  private void launchCassandra() {
    List<Integer> ports = FreePorts.take(2);
    CassandraLauncher.Settings settings = CassandraLauncher.Settings.local(projectDir)
        .withHome(runDir.resolve("cassandra"))
        .withPorts(ports.get(0), ports.get(1))
        .withDisposable(true)
        .withCacheDir(projectDir.resolve(".cache"))
        .withStartTimeout(Duration.ofMinutes(3));
    cassandraLauncher = new CassandraLauncher(settings, line -> {
      if (line.contains("ready on") || line.contains("stopped in")) say("[cassandra] " + line);
    });
    cassandra = cassandraLauncher.start(CassandraLauncher.Mode.ATTACHED);
    cassandra.pid().ifPresent(pid -> ProcessHandle.of(pid).ifPresent(p -> pids.record("cassandra", p)));
  }

  private Path copyWatchdog() {
    String resource = "/" + ExitWithParent.class.getName().replace('.', '/') + ".class";
    Path target = runDir.resolve("watchdog").resolve(resource.substring(1));
    try (InputStream in = ExitWithParent.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException(resource + " is not on the classpath");
      Files.createDirectories(target.getParent());
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return runDir.resolve("watchdog");
  }

  private NodeProcess newNode(String name, NodeProcess.Ports ports, String seeds, Map<String, String> envOverrides,
      List<String> jvmOverrides) {
    Path nodeJar = Path.of(System.getProperty("turnout.node.jar",
        projectDir.resolve("cluster-node/target/turnout-node.jar").toString())).toAbsolutePath().normalize();
    if (!Files.isRegularFile(nodeJar)) {
      throw new IllegalStateException(nodeJar + " is missing: the multi-JVM tests run the packaged node (mvn verify)");
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TURNOUT_HTTP_INTERFACE", "127.0.0.1");
    env.put("TURNOUT_HTTP_PORT", Integer.toString(ports.http()));
    env.put("TURNOUT_ADMIN_INTERFACE", "127.0.0.1");
    env.put("TURNOUT_ADMIN_PORT", Integer.toString(ports.admin()));
    env.put("TURNOUT_MANAGEMENT_PORT", Integer.toString(ports.management()));
    env.put("TURNOUT_REMOTE_HOST", "127.0.0.1");
    env.put("TURNOUT_REMOTE_PORT", Integer.toString(ports.remoting()));
    env.put("TURNOUT_SEED_NODES", seeds);
    env.put("TURNOUT_MODEL_ROOT", runDir.resolve("models").toString());
    env.put("TURNOUT_DEFAULT_REPLICAS", "2");
    env.put("TURNOUT_ADMIN_TOKEN", adminToken);
    env.put("TURNOUT_CLUSTER_SECRET", clusterSecret);
    env.put("TURNOUT_DRAIN_PERIOD", DRAIN_PERIOD.toSeconds() + "s");
    env.put("TURNOUT_SBR_STABLE_AFTER", SBR_STABLE_AFTER.toSeconds() + "s");
    env.put("TURNOUT_CASSANDRA_CONTACT_POINTS", cassandraLauncher.settings().endpoint().contactPoint());
    env.put("TURNOUT_CASSANDRA_DATACENTER", cassandraLauncher.settings().endpoint().datacenter());
    env.put("TF_ENABLE_ONEDNN_OPTS", "0");
    env.put("TF_CPP_MIN_LOG_LEVEL", "2");
    env.putAll(envOverrides);
    List<String> jvm = new ArrayList<>(List.of("-Xms64m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError",
        // Two cores carry three nodes, Cassandra, nginx and the load: C2's compile bursts after each
        // start took most of a core for a minute (measured at 200 req/s: fresh nodes used 31 s of CPU
        // in 20 s with C2, 13-14 s with C1 only, which serves as fast once warm). Nodes in production
        // keep the JVM's defaults.
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-Dorg.bytedeco.javacpp.cachedir=" + projectDir.resolve(".cache/javacpp")));
    String extra = System.getProperty("turnout.multijvm.node-jvm-options", "").strip();
    if (!extra.isEmpty()) jvm.addAll(List.of(extra.split("\\s+")));
    jvm.addAll(jvmOverrides);
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    return new NodeProcess(name, ports, new NodeProcess.Launch(nodeJar, watchdogClasses, java, jvm, env),
        runDir.resolve("logs").resolve(name + ".log"), pids);
  }

  private void startLoadBalancer() {
    lbPort = FreePorts.take(1).get(0);
    NginxConfig.Settings settings = NginxConfig.Settings.of(runDir.resolve("nginx"), "127.0.0.1:" + lbPort)
        .withWorkers("1");
    Path log = runDir.resolve("logs/load-balancer.log");
    lb = LoadBalancer.start(Nginx.require(), NginxConfig.bundled(), settings, backends(), LB_INTERVAL, line -> {
      String stamped = LocalTime.now().format(DateTimeFormatter.ofPattern("HH:mm:ss.SSS")) + " " + line;
      lbLog.add(stamped);
      try {
        Files.writeString(log, stamped + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      } catch (IOException e) {
        // the in-memory copy is enough
      }
    });
    ProcessHandle.of(lb.nginx().pid()).ifPresent(p -> pids.record("nginx", p));
  }

  private List<Backend> backends() {
    return nodes.stream().map(n -> new Backend("127.0.0.1", n.ports().http())).toList();
  }

  // ---- what tests use ----

  public List<NodeProcess> nodes() {
    return List.copyOf(nodes);
  }

  public NodeProcess node(int number) {
    return nodes.get(number - 1);
  }

  public Admin admin(NodeProcess node) {
    return new Admin(node, adminToken);
  }

  /** The admin API of the first node that is ready (else the first that runs). */
  public Admin admin() {
    return admin(nodes.stream().filter(n -> n.isAlive() && n.readiness() == 200).findFirst()
        .or(() -> nodes.stream().filter(NodeProcess::isAlive).findFirst())
        .orElseThrow(() -> new IllegalStateException("no node runs")));
  }

  public Path runDir() {
    return runDir;
  }

  /** The load balancer's URI for {@code path}. */
  public URI front(String path) {
    return URI.create("http://127.0.0.1:" + lbPort + path);
  }

  public LoadBalancer loadBalancer() {
    return lb;
  }

  /** What the load balancer did (ready/not ready changes), with times. */
  public List<String> loadBalancerLog() {
    return List.copyOf(lbLog);
  }

  /**
   * Predictions for {@code model} through nginx at {@code perSecond}: TF Serving's row format, one
   * Iris row each, users {@code user-0..999} in {@code X-User-Id} (the rollouts' sticky header).
   */
  public FixedRateLoad load(String model, double perSecond) {
    URI uri = front("/v1/models/" + model + ":predict");
    return FixedRateLoad.start(client, perSecond, i -> HttpRequest.newBuilder(uri)
        .timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .header("X-User-Id", "user-" + (i % 1000))
        .header("X-Request-Id", requestId(model, i))
        .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + IRIS_ROWS.get((int) (i % IRIS_ROWS.size())) + "]}"))
        .build(), 5000);
  }

  /** The {@code X-Request-Id} of request {@code index} of a {@link #load} on {@code model}; nginx logs it. */
  public static String requestId(String model, long index) {
    return model + "-" + index;
  }

  /**
   * The upstreams nginx tried for each logged request id (its access log's {@code upstream=} field,
   * e.g. {@code 127.0.0.1:8081} or {@code 127.0.0.1:8081, 127.0.0.1:8082}).
   */
  public Map<String, String> upstreamsByRequestId() {
    Path access = runDir.resolve("nginx/logs/access.log");
    Map<String, String> upstreams = new HashMap<>();
    try (Stream<String> lines = Files.lines(access, StandardCharsets.UTF_8)) {
      lines.forEach(line -> {
        int upstream = line.indexOf(" upstream=");
        int status = line.indexOf(" upstream_status=");
        int id = line.indexOf(" request_id=");
        if (upstream > 0 && status > upstream && id > 0) {
          upstreams.put(line.substring(id + " request_id=".length()).strip(),
              line.substring(upstream + " upstream=".length(), status));
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + access, e);
    }
    return upstreams;
  }

  /**
   * Every node runs, answers ready, and sees exactly the {@value #NODES} nodes as Up and reachable;
   * nginx sends to all of them; every version has the replicas it wants ready.
   */
  public void awaitHealthy(Duration timeout) {
    awaitMembersAndReady(timeout);
    try {
      lb.sync().await(ready -> ready.size() == NODES, timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Await.until("every version has its wanted replicas ready", timeout,
        () -> unsettledReplicas().isEmpty() ? Optional.of(true) : Optional.empty(),
        () -> "not yet: " + unsettledReplicas());
    // The coordinators answer, so their journal is usable (after a Cassandra outage the driver
    // reconnects with a growing backoff).
    Await.until("every model's rollout coordinator answers", timeout,
        () -> models.stream().allMatch(model -> admin().get("/admin/models/" + model + "/rollout").ok())
            ? Optional.of(true) : Optional.empty(),
        () -> models.stream().map(model -> model + ": " + admin().get("/admin/models/" + model + "/rollout").status())
            .collect(Collectors.joining(", ")));
  }

  private void awaitMembersAndReady(Duration timeout) {
    Set<String> expected = nodes.stream().map(NodeProcess::clusterAddress).collect(Collectors.toSet());
    Await.until(NODES + " nodes Up and ready", timeout, () -> {
      for (NodeProcess node : nodes) {
        if (!node.isAlive()) {
          throw new AssertionError(node + " exited; its log ends with:\n" + node.logTail(40));
        }
        if (node.readiness() != 200) return Optional.empty();
        List<Member> members = admin(node).members();
        boolean allUp = members.size() == NODES && members.stream().allMatch(m -> m.status().equals("Up") && m.reachable());
        if (!allUp || !members.stream().map(Member::address).collect(Collectors.toSet()).equals(expected)) {
          return Optional.empty();
        }
      }
      return Optional.of(true);
    }, this::describe);
  }

  /** Versions whose ready replicas fall short of the wanted ones, as a node's admin API reports them. */
  public List<String> unsettledReplicas() {
    Admin.Reply reply = admin().get("/admin/models");
    if (!reply.ok()) return List.of("GET /admin/models: " + reply);
    List<String> short_ = new ArrayList<>();
    for (JsonNode model : reply.json().path("models")) {
      for (JsonNode version : model.path("versions")) {
        int wanted = version.path("replicas").path("wanted").asInt();
        int ready = version.path("replicas").path("ready").asInt();
        if (ready < wanted) short_.add(model.path("model").asText() + " v" + version.path("version").asText() + " "
            + ready + "/" + wanted);
      }
    }
    return short_;
  }

  /** What each node reports, for failure messages. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    for (NodeProcess node : nodes) {
      text.append("\n  ").append(node).append(node.isAlive() ? "" : " NOT RUNNING").append(": ready ")
          .append(node.readiness()).append(", members ").append(node.isAlive() ? admin(node).members() : "-");
    }
    if (lb != null) text.append("\n  nginx sends to ").append(lb.sync().applied());
    return text.toString();
  }

  /** Outcome of restarting one node. */
  public record Restart(String node, int exitCode, Duration stop, Duration backHealthy) {}

  /**
   * SIGTERM, wait for the exit, start again on the same ports, and wait until the cluster is
   * healthy again ({@link #awaitHealthy}): what a rolling restart does for each node.
   */
  public Restart restart(NodeProcess node) throws InterruptedException {
    long begun = System.nanoTime();
    node.terminate();
    OptionalInt exit = node.awaitExit(DRAIN_PERIOD.plusSeconds(90));
    if (exit.isEmpty()) {
      node.kill();
      throw new AssertionError(node + " did not exit within " + DRAIN_PERIOD.plusSeconds(90).toSeconds()
          + " s of SIGTERM; its log ends with:\n" + node.logTail(40));
    }
    long exited = System.nanoTime();
    node.start(rejoining(node));
    awaitHealthy(HEALTHY_TIMEOUT);
    return new Restart(node.name(), exit.getAsInt(), Duration.ofNanos(exited - begun),
        Duration.ofNanos(System.nanoTime() - exited));
  }

  /**
   * A node that comes back lists only the others as seed nodes. Listed first among all, it would
   * form a cluster of its own whenever the others did not answer within the seed-node timeout (a
   * busy machine is enough), and split the cluster in two.
   */
  private Map<String, String> rejoining(NodeProcess node) {
    String others = nodes.stream().filter(n -> n != node).map(n -> n.ports().remotingAddress())
        .collect(Collectors.joining(","));
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TURNOUT_SEED_NODES", others);
    return env;
  }

  /**
   * Starts every node that is not running (after a kill), waits until the cluster is healthy, and
   * warms up nodes that started within the last minute.
   */
  public void restore() {
    boolean started = false;
    for (NodeProcess node : nodes) {
      if (!node.isAlive()) {
        say("starting " + node.name() + " again");
        node.start(rejoining(node));
        started = true;
      }
    }
    awaitHealthy(HEALTHY_TIMEOUT);
    if (started || freshNodes()) warmUp();
  }

  /** Whether a node started less than a minute ago (its JIT still compiles the hot path). */
  private boolean freshNodes() {
    return nodes.stream().anyMatch(node -> ProcessHandle.of(node.pid()).flatMap(p -> p.info().startInstant())
        .map(started -> started.isAfter(Instant.now().minusSeconds(60))).orElse(false));
  }

  /**
   * A node outside the cluster's plan, pointed at the same seed nodes, with {@code env} and
   * {@code jvmOptions} on top of a good node's. It is never put behind nginx.
   */
  public NodeProcess startExtraNode(String name, Map<String, String> env, List<String> jvmOptions) {
    String seeds = nodes.stream().map(n -> n.ports().remotingAddress()).collect(Collectors.joining(","));
    NodeProcess node = newNode(name, NodeProcess.Ports.free(), seeds, env, jvmOptions);
    extras.add(node);
    node.start();
    return node;
  }

  public String clusterSecret() {
    return clusterSecret;
  }

  /** Stops Cassandra gracefully (drain, flush); the data stays. */
  public void stopCassandra() {
    cassandra.close();
  }

  /** Starts Cassandra again on the same folder and ports; returns once it answers CQL. */
  public void startCassandra() {
    cassandra = cassandraLauncher.start(CassandraLauncher.Mode.ATTACHED);
  }

  /**
   * The node running the rollout coordinator of {@code model}: the one whose
   * {@code RolloutCoordinator} shard region lists it, by the management port's
   * {@code GET /cluster/shards/RolloutCoordinator}.
   */
  public Optional<NodeProcess> coordinatorHost(String model) {
    for (NodeProcess node : nodes) {
      if (!node.isAlive()) continue;
      Admin.Reply reply = get(node.managementUri("/cluster/shards/RolloutCoordinator"));
      for (JsonNode region : reply.json().path("regions")) {
        for (JsonNode entity : region.path("entityIds")) {
          if (entity.asText().equals(model)) return Optional.of(node);
        }
      }
    }
    return Optional.empty();
  }

  private Admin.Reply get(URI uri) {
    try {
      HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5))
          .GET().build(), HttpResponse.BodyHandlers.ofString());
      return new Admin.Reply(response.statusCode(), Admin.parse(response.body()), response.body());
    } catch (IOException e) {
      return new Admin.Reply(0, MissingNode.getInstance(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** nginx's access log lines where nginx passed a request on to another node after a connection failure. */
  public List<String> lbRetries() {
    Path access = runDir.resolve("nginx/logs/access.log");
    try (Stream<String> lines = Files.lines(access, StandardCharsets.UTF_8)) {
      return lines.filter(line -> line.contains("upstream=") && line.substring(line.indexOf("upstream=")).contains(", "))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  public static void say(String line) {
    System.out.println("[cluster " + LocalTime.now().format(CLOCK) + "] " + line);
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (lb != null) lb.close();
    List<NodeProcess> all = new ArrayList<>(extras);
    all.addAll(nodes);
    all.parallelStream().forEach(node -> node.stop(DRAIN_PERIOD.plusSeconds(30)));
    if (cassandra != null) cassandra.close();
    say("stopped; logs in " + runDir.resolve("logs"));
  }

  // ---- helpers ----

  private static void cleanEarlierRuns(Path runs) {
    if (!Files.isDirectory(runs)) return;
    try (Stream<Path> folders = Files.list(runs)) {
      for (Path folder : folders.filter(Files::isDirectory).toList()) {
        PidRegistry.killLeftovers(folder, LocalCluster::say);
        deleteTree(folder);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + runs, e);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path path : paths.toList()) {
        Path target = to.resolve(from.relativize(path).toString());
        if (Files.isDirectory(path)) Files.createDirectories(target);
        else Files.copy(path, target, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static String randomHex() {
    byte[] bytes = new byte[16];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
