package io.turnout.ops.lb;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * One nginx master process with its own prefix folder ({@code nginx.conf}, {@code nginx.pid},
 * {@code logs/}, {@code temp/}), in the foreground as a child of this JVM: never the system's nginx
 * service and never its files. {@link #reload} swaps the configuration without dropping a request:
 * new workers take new connections while the old ones finish theirs.
 */
public final class Nginx implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(15);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(35);
  private static final Duration OLD_WORKERS_TIMEOUT = Duration.ofSeconds(2);

  private final Path executable;
  private final Path prefix;
  private final Process master;

  private Nginx(Path executable, Path prefix, Process master) {
    this.executable = executable;
    this.prefix = prefix;
    this.master = master;
  }

  /**
   * The nginx to run: {@code TURNOUT_NGINX} if set, else {@code nginx} on the {@code PATH}, else
   * Debian's {@code /usr/sbin/nginx} (not on a normal user's {@code PATH}).
   */
  public static Optional<Path> find() {
    String configured = System.getenv("TURNOUT_NGINX");
    if (configured != null && !configured.isBlank()) return Optional.of(Path.of(configured));
    String path = System.getenv().getOrDefault("PATH", "");
    List<Path> candidates = new ArrayList<>();
    for (String dir : path.split(File.pathSeparator)) if (!dir.isEmpty()) candidates.add(Path.of(dir, "nginx"));
    candidates.add(Path.of("/usr/sbin/nginx"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  public static Path require() {
    return find().orElseThrow(() -> new IllegalStateException(
        "nginx is not installed: apt-get install nginx-light (Debian/Ubuntu), or set TURNOUT_NGINX to its path"));
  }

  /** Checks {@code config}, writes it to {@code <prefix>/nginx.conf} and starts nginx; returns once its workers run. */
  public static Nginx start(Path executable, Path prefix, String config) {
    prefix = prefix.toAbsolutePath().normalize();
    try {
      Files.createDirectories(prefix.resolve("logs"));
      Files.createDirectories(prefix.resolve("temp"));
      Path conf = prefix.resolve("nginx.conf");
      check(executable, prefix, config, conf);
      Files.deleteIfExists(prefix.resolve("nginx.pid"));
      Process master = new ProcessBuilder(command(executable, prefix, conf))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(prefix.resolve("logs/nginx.out").toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      Nginx nginx = new Nginx(executable, prefix, master);
      nginx.awaitWorkers(Set.of(), START_TIMEOUT, "start");
      return nginx;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start nginx in " + prefix, e);
    }
  }

  public long pid() {
    return master.pid();
  }

  public Path prefix() {
    return prefix;
  }

  public boolean isAlive() {
    return master.isAlive();
  }

  /** Blocks until nginx exits; its exit code. */
  public int awaitExit() throws InterruptedException {
    return master.waitFor();
  }

  /**
   * Checks {@code config}, puts it in place and reloads; returns once workers of the new
   * configuration run and every old worker has stopped taking connections (it exited, or shows
   * "shutting down"). Old workers finish the requests they hold in the background. A configuration
   * that fails the check is refused and the running one stays.
   */
  public synchronized void reload(String config) {
    if (!master.isAlive()) throw new IllegalStateException("nginx (pid " + master.pid() + ") is not running");
    Path conf = prefix.resolve("nginx.conf");
    Set<Long> before = workers();
    check(executable, prefix, config, conf);
    List<String> signal = new ArrayList<>(command(executable, prefix, conf));
    signal.add("-s");
    signal.add("reload");
    run(signal, "reload");
    awaitWorkers(before, RELOAD_TIMEOUT, "reload");
    // The master tells the old workers to quit right after starting the new ones; until an old one
    // has closed its listening sockets it may still take a connection under the old configuration.
    long deadline = System.nanoTime() + OLD_WORKERS_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && master.toHandle().children()
        .anyMatch(worker -> before.contains(worker.pid()) && !shuttingDown(worker))) {
      sleep(Duration.ofMillis(5));
    }
  }

  /** nginx retitles a worker that got the signal to quit ({@code /proc/<pid>/cmdline} on Linux). */
  private static boolean shuttingDown(ProcessHandle worker) {
    return !worker.isAlive() || worker.info().commandLine().map(line -> line.contains("shutting down")).orElse(true);
  }

  /** Graceful stop: workers finish their requests ({@code worker_shutdown_timeout}), then a kill. */
  @Override
  public synchronized void close() {
    if (!master.isAlive()) return;
    try {
      List<String> quit = new ArrayList<>(command(executable, prefix, prefix.resolve("nginx.conf")));
      quit.add("-s");
      quit.add("quit");
      run(quit, "quit");
      if (!master.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) killTree();
    } catch (RuntimeException e) {
      killTree();
    } catch (InterruptedException e) {
      killTree();
      Thread.currentThread().interrupt();
    }
  }

  private void killTree() {
    master.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
    master.destroyForcibly();
  }

  private Set<Long> workers() {
    return master.toHandle().children().map(ProcessHandle::pid).collect(Collectors.toSet());
  }

  /** Waits until nginx runs a worker that is not one of {@code old}. */
  private void awaitWorkers(Set<Long> old, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!master.isAlive()) {
        throw new IllegalStateException("nginx exited during " + what + " with code " + master.exitValue() + ":\n"
            + tail(prefix.resolve("logs/error.log")) + "\n" + tail(prefix.resolve("logs/nginx.out")));
      }
      if (workers().stream().anyMatch(pid -> !old.contains(pid))) return;
      sleep(Duration.ofMillis(10));
    }
    throw new IllegalStateException("nginx (pid " + master.pid() + ") started no new worker within " + timeout.toSeconds()
        + " s of its " + what + ":\n" + tail(prefix.resolve("logs/error.log")));
  }

  /** {@code nginx -t} on {@code config}; on success it becomes {@code conf}. */
  private static void check(Path executable, Path prefix, String config, Path conf) {
    Path candidate = prefix.resolve("nginx.conf.next");
    try {
      Files.writeString(candidate, config, StandardCharsets.UTF_8);
      List<String> test = new ArrayList<>(command(executable, prefix, candidate));
      test.add("-t");
      test.add("-q");
      run(test, "configuration check");
      Files.move(candidate, conf, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + conf, e);
    }
  }

  private static List<String> command(Path executable, Path prefix, Path conf) {
    // -e: errors before the configuration is read go to our folder, not /var/log/nginx.
    return List.of(executable.toString(), "-p", prefix + "/", "-e", prefix.resolve("logs/error.log").toString(),
        "-c", conf.toString());
  }

  private static void run(List<String> command, String what) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("nginx " + what + " did not finish within 30 s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("nginx " + what + " failed (exit " + process.exitValue() + "): " + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during nginx " + what, e);
    }
  }

  static String tail(Path file) {
    if (!Files.isRegularFile(file)) return "  (no " + file + ")";
    Deque<String> last = new ArrayDeque<>();
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      lines.forEach(line -> {
        if (last.size() == 20) last.removeFirst();
        last.addLast(line);
      });
    } catch (IOException | UncheckedIOException e) {
      return "  (cannot read " + file + ")";
    }
    return last.stream().map(line -> "  | " + line).collect(Collectors.joining("\n"));
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
