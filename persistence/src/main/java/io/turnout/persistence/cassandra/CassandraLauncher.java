package io.turnout.persistence.cassandra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Starts Apache Cassandra from the {@code cassandra-all} artifact in a JVM of its own (its
 * libraries clash with the node's), waits until it answers CQL, and stops it cleanly.
 *
 * <p>Everything of one server lives in its home folder: {@code conf/} (the generated
 * {@code cassandra.yaml}, a logback configuration that writes only to files, the JVM options),
 * {@code storage/} (data, commit log, hints, saved caches), {@code logs/} ({@code system.log} and
 * the JVM's own output in {@code console.log}) and {@code cassandra.pid}. The local server's home
 * is the project's {@code var/cassandra/local} (git-ignored); tests use a folder under
 * {@code target/}. The classpath comes from {@link CassandraClasspath}.
 *
 * <p>{@link #start} reuses a Cassandra that already answers CQL on the configured port instead of
 * starting a second one. {@link Mode#ATTACHED} ties the server to this JVM: it exits when this
 * JVM does, however this JVM ends (see {@link CassandraServerMain}). {@link Mode#DETACHED} leaves it
 * running in a session of its own, found again through the pid file.
 *
 * <p>Run as a program it is the command scripts use: {@code start [--foreground]}, {@code stop},
 * {@code status}; see {@link #main}.
 */
public final class CassandraLauncher {
  /** The only datacenter of a server with {@code SimpleSnitch}. */
  public static final String DATACENTER = "datacenter1";
  public static final String DEFAULT_CLUSTER_NAME = "Turnout";

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
  private static final Duration KILL_TIMEOUT = Duration.ofSeconds(10);

  /** How the started server relates to this JVM. */
  public enum Mode {
    /** Exits with this JVM, gracefully, even when this JVM is killed. For tests and foreground runs. */
    ATTACHED,
    /** Runs on in its own session after this JVM exits; {@link #stop} finds it by its pid file. */
    DETACHED
  }

  /**
   * What to start and where.
   *
   * @param home        the server's folder (configuration, storage, logs, pid file)
   * @param host        listen and CQL address
   * @param nativePort  the CQL port clients use
   * @param storagePort the inter-node port (bound even by a single node)
   * @param clusterName must stay the same for a given storage folder: Cassandra refuses another
   * @param maxHeapMb   {@code -Xmx}; {@code -Xms} is half of it
   * @param disposable  the data may be lost on a crash (tests): skips fsync of system tables
   * @param jvmOptions  extra JVM options, after the launcher's own
   * @param java        the {@code java} executable that runs the server (Cassandra 5.0 supports 11 and 17)
   * @param cacheDir    where the resolved classpath is cached ({@code .cache} of the project)
   */
  public record Settings(
      Path home,
      String host,
      int nativePort,
      int storagePort,
      String clusterName,
      int maxHeapMb,
      boolean disposable,
      List<String> jvmOptions,
      Path java,
      Path cacheDir,
      Duration startTimeout,
      Duration stopTimeout) {

    public Settings {
      home = home.toAbsolutePath().normalize();
      cacheDir = cacheDir.toAbsolutePath().normalize();
      jvmOptions = List.copyOf(jvmOptions);
      if (nativePort == storagePort) throw new IllegalArgumentException("CQL and storage ports must differ: " + nativePort);
      if (maxHeapMb < 128) throw new IllegalArgumentException("Cassandra needs at least 128 MB of heap, got " + maxHeapMb);
    }

    /** The developer's server: {@code <project>/var/cassandra/local}, CQL on 9042, storage on 7000, 512 MB heap. */
    public static Settings local(Path projectDir) {
      return new Settings(projectDir.resolve("var/cassandra/local"), "127.0.0.1", 9042, 7000, DEFAULT_CLUSTER_NAME,
          512, false, List.of(), currentJava(), projectDir.resolve(".cache"), Duration.ofMinutes(3),
          Duration.ofSeconds(60));
    }

    public Settings withHome(Path home) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withHost(String host) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withPorts(int nativePort, int storagePort) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withMaxHeapMb(int maxHeapMb) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withDisposable(boolean disposable) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withJvmOptions(List<String> jvmOptions) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withJava(Path java) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withCacheDir(Path cacheDir) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public Settings withStartTimeout(Duration startTimeout) {
      return new Settings(home, host, nativePort, storagePort, clusterName, maxHeapMb, disposable, jvmOptions, java,
          cacheDir, startTimeout, stopTimeout);
    }

    public CassandraEndpoint endpoint() {
      return new CassandraEndpoint(host, nativePort, DATACENTER);
    }

    Path conf() {
      return home.resolve("conf");
    }

    Path storage() {
      return home.resolve("storage");
    }

    Path logs() {
      return home.resolve("logs");
    }

    Path pidFile() {
      return home.resolve("cassandra.pid");
    }

    static Path currentJava() {
      boolean windows = File.separatorChar == '\\';
      return Path.of(System.getProperty("java.home"), "bin", windows ? "java.exe" : "java");
    }
  }

  /** What {@code system.local} of the node that answered says about it. */
  public record ServerInfo(String releaseVersion, String clusterName, String datacenter) {}

  /** What {@link #status} finds: the process of this home, if any, and whether the CQL port answers. */
  public record Status(CassandraEndpoint endpoint, OptionalLong pid, Optional<ServerInfo> answer) {
    public boolean answers() {
      return answer.isPresent();
    }
  }

  /**
   * A server that answers CQL. {@link #close} stops it if this launcher started it, and does nothing
   * for one it found already running.
   */
  public final class Running implements AutoCloseable {
    private final ProcessHandle process; // null when reused from elsewhere
    // Kept reachable on purpose: for an attached server, collecting the Process would close the
    // pipe to its standard input, and the server would take that as this JVM's end.
    private final Process attached;
    private final ServerInfo info;
    private final Duration startup;

    private Running(ProcessHandle process, Process attached, ServerInfo info, Duration startup) {
      this.process = process;
      this.attached = attached;
      this.info = info;
      this.startup = startup;
    }

    public CassandraEndpoint endpoint() {
      return settings.endpoint();
    }

    /** Whether this launcher started the server (and {@link #close} stops it). */
    public boolean started() {
      return process != null;
    }

    public OptionalLong pid() {
      return process == null ? OptionalLong.empty() : OptionalLong.of(process.pid());
    }

    public String releaseVersion() {
      return info.releaseVersion();
    }

    /** From launch until CQL answered; zero for a reused server. */
    public Duration startup() {
      return startup;
    }

    /** Blocks until the server exits on its own (foreground runs); returns its exit code, or -1 if unknown. */
    public int awaitExit() throws InterruptedException {
      if (attached != null) return attached.waitFor();
      if (process != null) {
        try {
          process.onExit().get();
        } catch (ExecutionException e) {
          throw new IllegalStateException(e);
        }
      }
      return -1;
    }

    /** Stops the server gracefully if this launcher started it; the storage stays. */
    @Override
    public void close() {
      if (process != null) stopProcess(process);
    }

    @Override
    public String toString() {
      return "Cassandra " + info.releaseVersion() + " on " + endpoint() + pid().stream().mapToObj(p -> " pid " + p)
          .collect(Collectors.joining());
    }
  }

  private final Settings settings;
  private final Consumer<String> progress;

  public CassandraLauncher(Settings settings, Consumer<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * Returns once Cassandra answers CQL on {@code host:nativePort}: the one already answering there,
   * the one of this home that is still starting, or a new one.
   *
   * @throws IllegalStateException when it does not start; the message holds the tail of its logs
   */
  public Running start(Mode mode) {
    try {
      Files.createDirectories(settings.home());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + settings.home(), e);
    }
    // One start at a time per home, across processes: a second launcher waits, then finds the first one's server.
    try (FileChannel lockFile = FileChannel.open(settings.home().resolve("launcher.lock"),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = lockFile.lock();
      try {
        return startLocked(mode);
      } finally {
        lock.release();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + settings.home(), e);
    }
  }

  private Running startLocked(Mode mode) {
    String host = settings.host();
    int port = settings.nativePort();
    Optional<ProcessHandle> ours = runningProcess();
    if (ours.isPresent()) {
      ProcessHandle process = ours.get();
      progress.accept("Cassandra of " + settings.home() + " is already running (pid " + process.pid() + ")");
      ServerInfo info = awaitCql(process, null, System.nanoTime(), false);
      progress.accept("Cassandra " + info.releaseVersion() + " answers on " + host + ":" + port);
      return new Running(null, null, info, Duration.ZERO);
    }
    if (CqlProbe.portOpen(host, port, PROBE_TIMEOUT)) {
      Optional<ServerInfo> info = CqlProbe.ask(host, port, PROBE_TIMEOUT);
      if (info.isEmpty()) {
        throw new IllegalStateException("port " + host + ":" + port + " is in use by something that does not answer CQL");
      }
      progress.accept("reusing Cassandra " + info.get().releaseVersion() + " that already answers on " + host + ":" + port
          + " (cluster '" + info.get().clusterName() + "', datacenter " + info.get().datacenter() + ")");
      return new Running(null, null, info.get(), Duration.ZERO);
    }
    requireFree(settings.storagePort());

    List<Path> classpath = CassandraClasspath.resolve(settings.cacheDir(), progress);
    List<String> command = writeConfiguration(classpath, mode);
    long launched = System.nanoTime();
    Process process;
    try {
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(settings.home().toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(settings.logs().resolve("console.log").toFile()));
      if (mode == Mode.DETACHED) builder.redirectInput(ProcessBuilder.Redirect.from(nullDevice().toFile()));
      process = builder.start();
      Files.writeString(settings.pidFile(), process.pid() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command.get(0), e);
    }
    progress.accept("starting Cassandra " + CassandraClasspath.version() + " (pid " + process.pid() + ", CQL on "
        + host + ":" + port + ", data in " + settings.storage() + ")");
    ServerInfo info = awaitCql(process.toHandle(), process, launched, true);
    Duration startup = Duration.ofNanos(System.nanoTime() - launched);
    progress.accept(String.format(Locale.ROOT, "Cassandra %s ready on %s:%d in %.1f s", info.releaseVersion(), host,
        port, startup.toMillis() / 1000.0));
    return new Running(process.toHandle(), mode == Mode.ATTACHED ? process : null, info, startup);
  }

  /**
   * Waits until the server answers CQL; fails with its logs' tail if it dies or times out, and then
   * kills it if this launcher launched it.
   */
  private ServerInfo awaitCql(ProcessHandle process, Process attached, long launched, boolean launchedHere) {
    long deadline = launched + settings.startTimeout().toNanos();
    while (true) {
      if (!process.isAlive()) {
        String exit = attached == null ? "" : " with code " + attached.exitValue();
        deletePidFile(process.pid());
        throw failure("Cassandra exited" + exit + " during start-up");
      }
      if (CqlProbe.portOpen(settings.host(), settings.nativePort(), POLL_INTERVAL)) {
        Optional<ServerInfo> info = CqlProbe.ask(settings.host(), settings.nativePort(), PROBE_TIMEOUT);
        if (info.isPresent()) return info.get();
      }
      if (System.nanoTime() > deadline) {
        if (!launchedHere) {
          throw failure("the Cassandra of " + settings.home() + " (pid " + process.pid() + ") did not answer CQL on "
              + settings.host() + ":" + settings.nativePort() + " within " + settings.startTimeout().toSeconds() + " s");
        }
        process.destroyForcibly();
        deletePidFile(process.pid());
        throw failure("Cassandra did not answer CQL within " + settings.startTimeout().toSeconds() + " s; killed it");
      }
      sleep(POLL_INTERVAL);
    }
  }

  private IllegalStateException failure(String what) {
    String message = what + ".\nlast lines of " + settings.logs().resolve("system.log") + ":\n"
        + Tail.of(settings.logs().resolve("system.log"), 30) + "\nlast lines of "
        + settings.logs().resolve("console.log") + ":\n" + Tail.of(settings.logs().resolve("console.log"), 15);
    progress.accept(message);
    return new IllegalStateException(message);
  }

  /** The process of this home from its pid file, if it still runs; a stale pid file is removed. */
  public Optional<ProcessHandle> runningProcess() {
    Path pidFile = settings.pidFile();
    if (!Files.isRegularFile(pidFile)) return Optional.empty();
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(this::isOurs);
    if (process.isEmpty()) deletePidFile(pid);
    return process;
  }

  /** Whether the process runs this home's server (trusting the pid file when the OS does not tell the arguments). */
  private boolean isOurs(ProcessHandle process) {
    return process.info().arguments().map(arguments -> List.of(arguments).contains(homeMarker())).orElse(true);
  }

  private String homeMarker() {
    return "-Dturnout.cassandra.home=" + settings.home();
  }

  /** The process of this home and whether the CQL port answers (whoever answers it). */
  public Status status() {
    OptionalLong pid = runningProcess().stream().mapToLong(ProcessHandle::pid).findFirst();
    Optional<ServerInfo> answer = CqlProbe.portOpen(settings.host(), settings.nativePort(), PROBE_TIMEOUT)
        ? CqlProbe.ask(settings.host(), settings.nativePort(), PROBE_TIMEOUT)
        : Optional.empty();
    return new Status(settings.endpoint(), pid, answer);
  }

  /**
   * Stops this home's server, if it runs: SIGTERM (Cassandra drains and flushes), then SIGKILL after
   * the stop timeout. Returns whether there was one to stop.
   */
  public boolean stop() {
    Optional<ProcessHandle> process = runningProcess();
    process.ifPresentOrElse(this::stopProcess,
        () -> progress.accept("no Cassandra of " + settings.home() + " is running"));
    return process.isPresent();
  }

  private void stopProcess(ProcessHandle process) {
    if (!process.isAlive()) {
      deletePidFile(process.pid());
      return;
    }
    long begun = System.nanoTime();
    progress.accept("stopping Cassandra (pid " + process.pid() + ")");
    process.destroy();
    if (!awaitExit(process, settings.stopTimeout())) {
      progress.accept("Cassandra did not stop within " + settings.stopTimeout().toSeconds() + " s; killing it");
      process.destroyForcibly();
      if (!awaitExit(process, KILL_TIMEOUT)) {
        throw new IllegalStateException("Cassandra (pid " + process.pid() + ") survived SIGKILL for "
            + KILL_TIMEOUT.toSeconds() + " s");
      }
    }
    deletePidFile(process.pid());
    progress.accept(String.format(Locale.ROOT, "Cassandra stopped in %.1f s",
        (System.nanoTime() - begun) / 1_000_000_000.0));
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while stopping Cassandra", e);
    }
  }

  private void deletePidFile(long pid) {
    try {
      Path pidFile = settings.pidFile();
      if (Files.isRegularFile(pidFile) && Files.readString(pidFile, StandardCharsets.UTF_8).strip().equals(Long.toString(pid))) {
        Files.delete(pidFile);
      }
    } catch (IOException e) {
      // a pid file that cannot be removed is found stale next time
    }
  }

  private void requireFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(settings.host(), port));
    } catch (IOException e) {
      throw new IllegalStateException("Cassandra's storage port " + settings.host() + ":" + port
          + " is in use; choose another one (--storage-port, TURNOUT_CASSANDRA_STORAGE_PORT)", e);
    }
  }

  // --- configuration ---------------------------------------------------------------------------

  /** Writes conf/ and returns the command that starts the server. */
  private List<String> writeConfiguration(List<Path> classpath, Mode mode) {
    Path conf = settings.conf();
    Path classes = conf.resolve("classes");
    try {
      Files.createDirectories(settings.storage());
      Files.createDirectories(settings.logs());
      Path mainClass = classes.resolve(CassandraServerMain.class.getName().replace('.', '/') + ".class");
      Files.createDirectories(mainClass.getParent());
      try (InputStream in = CassandraServerMain.class.getResourceAsStream(CassandraServerMain.class.getSimpleName() + ".class")) {
        if (in == null) throw new IllegalStateException("cannot read the class file of " + CassandraServerMain.class);
        Files.write(mainClass, in.readAllBytes());
      }
      Files.writeString(conf.resolve("cassandra.yaml"), cassandraYaml(), StandardCharsets.UTF_8);
      Files.writeString(conf.resolve("logback.xml"), logbackXml(), StandardCharsets.UTF_8);

      List<String> options = new ArrayList<>(jvmOptions(mode));
      options.add("-cp");
      options.add(classes + File.pathSeparator
          + classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
      Path argFile = conf.resolve("jvm.args");
      Files.writeString(argFile, options.stream().map(CassandraLauncher::quoted).collect(Collectors.joining("\n", "", "\n")),
          StandardCharsets.UTF_8);

      List<String> command = new ArrayList<>();
      if (mode == Mode.DETACHED) setsid().ifPresent(setsid -> command.add(setsid.toString()));
      command.add(settings.java().toString());
      command.add("@" + argFile);
      command.add(homeMarker());
      command.add(CassandraServerMain.class.getName());
      return command;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Cassandra configuration in " + conf, e);
    }
  }

  private List<String> jvmOptions(Mode mode) {
    List<String> options = new ArrayList<>(List.of(
        "-Xms" + settings.maxHeapMb() / 2 + "m",
        "-Xmx" + settings.maxHeapMb() + "m",
        "-Xss256k",
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError",
        // C1 only: starts in about two thirds of the time, plenty fast for a local or test server.
        "-XX:TieredStopAtLevel=1",
        "-Djava.net.preferIPv4Stack=true",
        "-Dcassandra.config=" + settings.conf().resolve("cassandra.yaml").toUri(),
        "-Dcassandra.storagedir=" + settings.storage(),
        "-Dcassandra.logdir=" + settings.logs(),
        "-Dcassandra-foreground=yes",
        "-Dlogback.configurationFile=" + settings.conf().resolve("logback.xml"),
        // One node, no peers: do not wait for gossip, do not announce the shutdown for 2 s, and
        // estimate memtable overhead coarsely (the default estimate alone takes seconds).
        "-Dcassandra.skip_wait_for_gossip_to_settle=0",
        "-Dcassandra.shutdown_announce_in_ms=0",
        "-Dcassandra.memtable_row_overhead_computation_step=100",
        "-D" + CassandraServerMain.EXIT_WITH_PARENT + "=" + (mode == Mode.ATTACHED)));
    if (settings.disposable()) options.add("-Dcassandra.unsafesystem=true");
    options.addAll(JAVA17_OPTIONS);
    options.addAll(settings.jvmOptions());
    return options;
  }

  /** Cassandra 5.0's conf/jvm17-server.options (JPMS and Netty), which its start script adds. */
  private static final List<String> JAVA17_OPTIONS = List.of(
      "-Djdk.attach.allowAttachSelf=true",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dio.netty.allocator.useCacheForAllThreads=true",
      "-Dio.netty.allocator.maxOrder=11",
      "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
      "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-exports=java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED",
      "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports=java.rmi/sun.rmi.server=ALL-UNNAMED",
      "--add-exports=java.sql/java.sql=ALL-UNNAMED",
      "--add-exports=java.base/java.lang.ref=ALL-UNNAMED",
      "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
      "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
      "--add-exports=jdk.attach/sun.tools.attach=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.module=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.loader=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.reflect=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.math=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.module=ALL-UNNAMED",
      "--add-opens=java.base/jdk.internal.util.jar=ALL-UNNAMED",
      "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED");

  String cassandraYaml() {
    String host = settings.host();
    return """
        # Written by Turnout's CassandraLauncher at every start; edits are overwritten.
        # One local node. Folders derive from -Dcassandra.storagedir.
        cluster_name: '%s'
        num_tokens: 16
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        endpoint_snitch: SimpleSnitch
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "%s:%d"
        listen_address: %s
        rpc_address: %s
        storage_port: %d
        native_transport_port: %d
        start_native_transport: true
        commitlog_sync: periodic
        commitlog_sync_period: 10000ms
        # Dropping or truncating a table keeps no snapshot: tests create and drop many.
        auto_snapshot: false
        """.formatted(settings.clusterName().replace("'", "''"), host, settings.storagePort(), host, host,
        settings.storagePort(), settings.nativePort());
  }

  String logbackXml() {
    Path logs = settings.logs();
    return """
        <!-- Written by Turnout's CassandraLauncher. Cassandra logs to files only, never to the console. -->
        <configuration scan="false">
          <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
            <file>%1$s/system.log</file>
            <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
              <fileNamePattern>%1$s/system.log.%%i.zip</fileNamePattern>
              <minIndex>1</minIndex>
              <maxIndex>5</maxIndex>
            </rollingPolicy>
            <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
              <maxFileSize>20MB</maxFileSize>
            </triggeringPolicy>
            <encoder>
              <pattern>%%date{ISO8601} %%-5level [%%thread] %%logger{36} - %%msg%%n</pattern>
            </encoder>
          </appender>
          <root level="INFO">
            <appender-ref ref="FILE"/>
          </root>
        </configuration>
        """.formatted(xmlEscaped(logs.toString()));
  }

  private static String xmlEscaped(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  /** One argument in a JVM @argfile: quoted, with backslashes and quotes escaped. */
  private static String quoted(String argument) {
    return '"' + argument.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }

  private static Optional<Path> setsid() {
    return List.of(Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")).stream().filter(Files::isExecutable).findFirst();
  }

  private static Path nullDevice() {
    return Path.of(File.separatorChar == '\\' ? "NUL" : "/dev/null");
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Cassandra", e);
    }
  }

  // --- command line ----------------------------------------------------------------------------

  /**
   * {@code start [--foreground]}, {@code stop}, {@code status}, with options {@code --home DIR},
   * {@code --host ADDR}, {@code --port N}, {@code --storage-port N}, {@code --heap-mb N},
   * {@code --project-dir DIR} (where {@code var/} and {@code .cache/} are) and
   * {@code --timeout SECONDS}. Exit codes: 0 done (for {@code status}: answering CQL), 1 failed,
   * 2 bad usage, 3 ({@code status}) nothing answers CQL.
   */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static final String USAGE = """
      usage: CassandraLauncher <start [--foreground] | stop | status> [options]
        start         start Cassandra and return once it answers CQL, leaving it running in the
                      background (pid file in its home); with --foreground stay attached until
                      Ctrl-C. Reuses a Cassandra that already answers on the port.
        stop          stop the Cassandra of --home (SIGTERM, then SIGKILL after 60 s)
        status        exit 0 if the port answers CQL, 3 if not
      options (environment variable in brackets):
        --home DIR          server folder [TURNOUT_CASSANDRA_HOME] (default <project>/var/cassandra/local)
        --host ADDR         listen and CQL address [TURNOUT_CASSANDRA_HOST] (default 127.0.0.1)
        --port N            CQL port [TURNOUT_CASSANDRA_PORT] (default 9042)
        --storage-port N    inter-node port [TURNOUT_CASSANDRA_STORAGE_PORT] (default 7000)
        --heap-mb N         maximum heap [TURNOUT_CASSANDRA_HEAP_MB] (default 512)
        --timeout SECONDS   start-up limit (default 180)
        --project-dir DIR   where var/ and .cache/ are (default -Dturnout.project.dir, else .)
      """;

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      err.print(USAGE.replace("usage: CassandraLauncher", "usage: " + commandName()));
      return 2;
    }
    String command = args[0];
    boolean foreground = false;
    String projectDir = System.getProperty("turnout.project.dir", ".");
    String home = System.getenv("TURNOUT_CASSANDRA_HOME");
    String host = env("TURNOUT_CASSANDRA_HOST", "127.0.0.1");
    String port = env("TURNOUT_CASSANDRA_PORT", "9042");
    String storagePort = env("TURNOUT_CASSANDRA_STORAGE_PORT", "7000");
    String heapMb = env("TURNOUT_CASSANDRA_HEAP_MB", "512");
    String timeout = "180";
    try {
      for (int i = 1; i < args.length; i++) {
        String option = args[i];
        if (option.equals("--foreground") && command.equals("start")) {
          foreground = true;
          continue;
        }
        if (i + 1 >= args.length) throw new IllegalArgumentException("unknown option or missing value: " + option);
        String value = args[++i];
        switch (option) {
          case "--home" -> home = value;
          case "--host" -> host = value;
          case "--port" -> port = value;
          case "--storage-port" -> storagePort = value;
          case "--heap-mb" -> heapMb = value;
          case "--timeout" -> timeout = value;
          case "--project-dir" -> projectDir = value;
          default -> throw new IllegalArgumentException("unknown option: " + option);
        }
      }
      Path project = Path.of(projectDir).toAbsolutePath().normalize();
      Settings settings = Settings.local(project)
          .withHost(host)
          .withPorts(Integer.parseInt(port), Integer.parseInt(storagePort))
          .withMaxHeapMb(Integer.parseInt(heapMb))
          .withStartTimeout(Duration.ofSeconds(Long.parseLong(timeout)));
      if (home != null && !home.isBlank()) settings = settings.withHome(project.resolve(home));
      CassandraLauncher launcher = new CassandraLauncher(settings, line -> out.println("[cassandra] " + line));
      return switch (command) {
        case "start" -> start(launcher, foreground, out);
        case "stop" -> {
          launcher.stop();
          yield 0;
        }
        case "status" -> status(launcher, out);
        default -> throw new IllegalArgumentException("unknown command: " + command);
      };
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.print(USAGE.replace("usage: CassandraLauncher", "usage: " + commandName()));
      return 2;
    } catch (IllegalStateException | UncheckedIOException e) {
      err.println("[cassandra] " + e.getMessage());
      return 1;
    }
  }

  private static int start(CassandraLauncher launcher, boolean foreground, PrintStream out) {
    Running running = launcher.start(foreground ? Mode.ATTACHED : Mode.DETACHED);
    if (!foreground || !running.started()) {
      if (running.started()) {
        out.println("[cassandra] running in the background; stop it with: " + commandName() + " stop"
            + " (logs in " + launcher.settings().logs() + ")");
      }
      return 0;
    }
    Thread stopOnExit = new Thread(running::close, "cassandra-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    out.println("[cassandra] running in the foreground; Ctrl-C stops it (logs in " + launcher.settings().logs() + ")");
    try {
      int exit = running.awaitExit();
      out.println("[cassandra] exited with code " + exit);
      return exit == 0 || exit == 143 || exit == 130 ? 0 : 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static int status(CassandraLauncher launcher, PrintStream out) {
    Status status = launcher.status();
    String process = status.pid().isPresent()
        ? "the Cassandra of " + launcher.settings().home() + " runs as pid " + status.pid().getAsLong()
        : "no Cassandra of " + launcher.settings().home() + " is running";
    if (status.answer().isPresent()) {
      ServerInfo info = status.answer().get();
      out.println("[cassandra] " + status.endpoint().contactPoint() + " answers CQL: Cassandra " + info.releaseVersion()
          + ", cluster '" + info.clusterName() + "', datacenter " + info.datacenter() + "; " + process);
      return 0;
    }
    out.println("[cassandra] nothing answers CQL on " + status.endpoint().contactPoint() + "; " + process);
    return 3;
  }

  /** How scripts call this program, for the hints it prints. */
  private static String commandName() {
    return System.getProperty("turnout.cassandra.command", "CassandraLauncher");
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }
}
