package io.turnout.ops.lb;

import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * nginx in front of a cluster's prediction ports, kept in step with the nodes' readiness: starts
 * nginx on the configuration for the backends ready now, then {@link ReadinessSync} reloads it
 * whenever that set changes. {@link #close} stops both.
 *
 * <p>Run as a program ({@code ops/bin/turnout-cluster} does) it stays in the foreground until
 * SIGTERM, then stops nginx gracefully.
 */
public final class LoadBalancer implements AutoCloseable {
  private final Nginx nginx;
  private final ReadinessSync sync;

  private LoadBalancer(Nginx nginx, ReadinessSync sync) {
    this.nginx = nginx;
    this.sync = sync;
  }

  public static LoadBalancer start(Path executable, NginxConfig template, NginxConfig.Settings settings,
      List<Backend> backends, Duration interval, Consumer<String> log) {
    Duration probeTimeout = Duration.ofSeconds(1);
    Nginx[] started = new Nginx[1]; // the sync's reloads need the nginx it starts after its first probe
    ReadinessSync sync = new ReadinessSync(backends, interval, probeTimeout,
        ready -> started[0].reload(template.render(settings, backends, ready)), log);
    Set<Backend> ready = sync.probe();
    started[0] = Nginx.start(executable, settings.prefix(), template.render(settings, backends, ready));
    log.accept("nginx (pid " + started[0].pid() + ") listens on " + settings.listen() + "; ready: " + ready);
    return new LoadBalancer(started[0], sync.start(ready));
  }

  public Nginx nginx() {
    return nginx;
  }

  public ReadinessSync sync() {
    return sync;
  }

  @Override
  public void close() {
    sync.close();
    nginx.close();
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Cli()).execute(args));
  }

  @Command(name = "turnout-lb", mixinStandardHelpOptions = true,
      description = "nginx in front of Turnout nodes' prediction ports, reloaded as their /health/ready changes.")
  static final class Cli implements Callable<Integer> {
    @Option(names = "--prefix", required = true, description = "nginx's own folder (configuration, pid, logs).")
    Path prefix;

    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", description = "Address nginx listens on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--backend", required = true, description = "A node's prediction address host:port; repeat per node.")
    List<String> backends;

    @Option(names = "--workers", defaultValue = "auto", description = "nginx worker processes (default: ${DEFAULT-VALUE}).")
    String workers;

    @Option(names = "--interval-ms", defaultValue = "500", description = "Readiness poll interval (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Option(names = "--template", description = "An nginx template of your own (default: the bundled one).")
    Path template;

    @Override
    public Integer call() throws InterruptedException {
      DateTimeFormatter time = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");
      Consumer<String> log = line -> System.out.println(LocalTime.now().format(time) + " " + line);
      LoadBalancer lb = start(Nginx.require(), template == null ? NginxConfig.bundled() : NginxConfig.fromFile(template),
          NginxConfig.Settings.of(prefix, listen).withWorkers(workers),
          backends.stream().map(Backend::parse).toList(), Duration.ofMillis(intervalMs), log);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        log.accept("stopping nginx");
        lb.close();
      }, "turnout-lb-stop"));
      int code = lb.nginx().awaitExit();
      log.accept("nginx exited with code " + code);
      return code == 0 ? 0 : 1;
    }
  }
}
