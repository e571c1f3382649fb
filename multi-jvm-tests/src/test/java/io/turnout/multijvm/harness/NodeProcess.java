package io.turnout.multijvm.harness;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * One node JVM started from the packaged node ({@code cluster-node/target/turnout-node.jar} and its
 * {@code lib/}), on ports of its own, its output appended to its log file. It can be stopped
 * (SIGTERM), killed (SIGKILL, with anything it started) and started again on the same ports.
 */
public final class NodeProcess {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(1)).build();
  private static final String NODE_MAIN = "io.turnout.node.Main";

  /** The node's four ports on 127.0.0.1. */
  public record Ports(int remoting, int http, int admin, int management) {
    public static Ports free() {
      List<Integer> ports = FreePorts.take(4);
      return new Ports(ports.get(0), ports.get(1), ports.get(2), ports.get(3));
    }

    /** The remoting address as seed lists name it: {@code 127.0.0.1:port}. */
    public String remotingAddress() {
      return "127.0.0.1:" + remoting;
    }
  }

  /** What a node runs with: its environment (on top of the harness's) and extra JVM options. */
  public record Launch(Path nodeJar, Path watchdogClasses, Path java, List<String> jvmOptions,
      Map<String, String> environment) {}

  private final String name;
  private final Ports ports;
  private final Launch launch;
  private final Path log;
  private final PidRegistry pids;
  private Process process;
  private Instant started;

  NodeProcess(String name, Ports ports, Launch launch, Path log, PidRegistry pids) {
    this.name = name;
    this.ports = ports;
    this.launch = launch;
    this.log = log;
    this.pids = pids;
  }

  public String name() {
    return name;
  }

  public Ports ports() {
    return ports;
  }

  public Path log() {
    return log;
  }

  /** The Pekko address others list it under, e.g. {@code pekko://turnout@127.0.0.1:25520}. */
  public String clusterAddress() {
    return "pekko://turnout@" + ports.remotingAddress();
  }

  public synchronized long pid() {
    return process == null ? -1 : process.pid();
  }

  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts the JVM; returns at once. */
  public synchronized void start() {
    start(Map.of());
  }

  /** Starts the JVM with {@code env} over its usual environment; returns at once. */
  public synchronized void start(Map<String, String> env) {
    if (isAlive()) throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
    List<String> command = new ArrayList<>();
    command.add(launch.java().toString());
    command.addAll(launch.jvmOptions());
    Map<String, String> environment = new LinkedHashMap<>(launch.environment());
    environment.putAll(env);
    command.add("-cp");
    command.add(launch.watchdogClasses() + File.pathSeparator + launch.nodeJar());
    command.add(ExitWithParent.class.getName());
    command.add(NODE_MAIN);
    try {
      Files.createDirectories(log.getParent());
      started = Instant.now();
      Files.writeString(log, "\n===== harness: starting " + name + " at " + started + " =====\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(log.getParent().toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.PIPE); // the watchdog's pipe: closed when this JVM ends
      builder.environment().putAll(environment);
      process = builder.start();
      pids.record("node " + name, process.toHandle());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node " + name, e);
    }
  }

  /** SIGTERM: the node drains and leaves. */
  public synchronized void terminate() {
    if (process != null) process.destroy();
  }

  /** SIGKILL to the node and anything it started. */
  public synchronized void kill() {
    if (process == null) return;
    process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** The exit code once the process ended within {@code timeout}; empty if it still runs. */
  public OptionalInt awaitExit(Duration timeout) throws InterruptedException {
    Process current;
    synchronized (this) {
      current = process;
    }
    if (current == null) return OptionalInt.empty();
    return current.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalInt.of(current.exitValue())
        : OptionalInt.empty();
  }

  /** Stops the node for good: SIGTERM, then SIGKILL if it has not exited within {@code grace}. */
  public void stop(Duration grace) {
    terminate();
    try {
      if (awaitExit(grace).isEmpty()) kill();
      awaitExit(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      kill();
      Thread.currentThread().interrupt();
    }
    closeWatchdogPipe();
  }

  private synchronized void closeWatchdogPipe() {
    if (process == null) return;
    try (OutputStream in = process.getOutputStream()) {
      in.flush();
    } catch (IOException e) {
      // already closed
    }
  }

  /** {@code GET /health/ready} on the prediction port: its status, or 0 when nothing answers. */
  public int readiness() {
    return status(URI.create("http://127.0.0.1:" + ports.http() + "/health/ready"));
  }

  public URI predictionUri(String path) {
    return URI.create("http://127.0.0.1:" + ports.http() + path);
  }

  public URI adminUri(String path) {
    return URI.create("http://127.0.0.1:" + ports.admin() + path);
  }

  public URI managementUri(String path) {
    return URI.create("http://127.0.0.1:" + ports.management() + path);
  }

  static int status(URI uri) {
    try {
      return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  /** The last {@code lines} lines of the node's log, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ")";
    }
  }

  /** The log's text written since the node's last start. */
  public String logSinceStart() {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      int marker = text.lastIndexOf("===== harness: starting " + name);
      return marker < 0 ? text : text.substring(marker);
    } catch (IOException e) {
      return "";
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + pid() + ", remoting " + ports.remoting() + ", http " + ports.http() + ")";
  }
}
