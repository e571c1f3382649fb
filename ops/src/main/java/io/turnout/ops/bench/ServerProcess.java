package io.turnout.ops.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A server in a JVM of its own, started by the benchmark and always stopped by it: on {@link
 * #close}, and on the benchmark's own exit (a shutdown hook covers Ctrl-C and SIGTERM). Its output
 * goes to a log file; its pid is appended to a pid file so that the wrapper script can clean up
 * even when the benchmark JVM itself is killed.
 */
final class ServerProcess implements AutoCloseable {

  private static final Set<ServerProcess> RUNNING = ConcurrentHashMap.newKeySet();
  private static final Duration GRACE = Duration.ofSeconds(15);

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> RUNNING.forEach(ServerProcess::close), "bench-stop"));
  }

  private final String name;
  private final Process process;
  private final Path log;
  private final Path pidFile;

  private ServerProcess(String name, Process process, Path log, Path pidFile) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.pidFile = pidFile;
  }

  static ServerProcess start(
      String name, List<String> command, Map<String, String> env, Path log, Path pidFile)
      throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().putAll(env);
    ServerProcess server = new ServerProcess(name, builder.start(), log, pidFile);
    RUNNING.add(server);
    if (pidFile != null) {
      Files.writeString(
          pidFile,
          server.pid() + System.lineSeparator(),
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    return server;
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** CPU time the server has used so far, all threads, in microseconds. */
  long cpuMicros() {
    return ProcessCpu.micros(pid());
  }

  /** Polls {@code url} until it answers 200; fails early when the process dies. */
  void awaitReady(URI url, Duration timeout) throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(2)).GET().build();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            name + " exited with " + process.exitValue() + " before it was ready; see " + log);
      }
      try {
        if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IOException(name + " not ready at " + url + " after " + timeout + "; see " + log);
  }

  /** SIGTERM, then SIGKILL after a grace period; idempotent. */
  @Override
  public void close() {
    if (!RUNNING.remove(this)) {
      return;
    }
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(GRACE.toSeconds(), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(GRACE.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** A port on 127.0.0.1 that nothing listens on right now. */
  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }
}
