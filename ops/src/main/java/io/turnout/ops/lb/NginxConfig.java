package io.turnout.ops.lb;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The nginx configuration of a cluster's load balancer: the template {@code ops/nginx/turnout.conf.template}
 * (bundled in this jar) with its {@code @@NAME@@} placeholders filled in. Pure: the same inputs give
 * the same text.
 *
 * <p>Every backend is listed in the upstream; those not ready are marked {@code down}, so nginx
 * sends them nothing. When none is ready all are listed as up: nginx's passive checks and
 * {@code proxy_next_upstream} then find whichever answers, which beats refusing every request.
 */
public final class NginxConfig {
  /** Where the build puts {@code ops/nginx/turnout.conf.template}. */
  public static final String TEMPLATE_RESOURCE = "/io/turnout/ops/lb/turnout.conf.template";
  private static final Pattern PLACEHOLDER = Pattern.compile("@@([A-Z_]+)@@");

  /**
   * What the template needs besides the backends.
   *
   * @param prefix      nginx's folder: configuration, pid file, logs/, temp/
   * @param listen      what nginx listens on, e.g. {@code 127.0.0.1:8080}
   * @param workers     {@code worker_processes}: a number or {@code auto}
   * @param maxFails    passive check: failed connections within {@code failTimeout} that take a server out
   * @param failTimeout passive check: the window for {@code maxFails}, and how long the server stays out
   */
  public record Settings(Path prefix, String listen, String workers, int maxFails, Duration failTimeout) {
    public Settings {
      prefix = prefix.toAbsolutePath().normalize();
      if (!workers.matches("auto|[1-9]\\d{0,2}")) throw new IllegalArgumentException("workers: a number or auto, got " + workers);
      if (maxFails < 1) throw new IllegalArgumentException("maxFails must be at least 1");
      if (failTimeout.toSeconds() < 1) throw new IllegalArgumentException("failTimeout must be at least 1 s");
    }

    /**
     * Defaults: a worker per core; three failed connections within 5 s take a server out for 5 s.
     * One is too few: on a busy machine a connection can time out on a node that is only slow, and
     * with every node out nginx refuses everything.
     */
    public static Settings of(Path prefix, String listen) {
      return new Settings(prefix, listen, "auto", 3, Duration.ofSeconds(5));
    }

    public Settings withWorkers(String workers) {
      return new Settings(prefix, listen, workers, maxFails, failTimeout);
    }
  }

  private final String template;

  private NginxConfig(String template) {
    this.template = template;
  }

  /** The template shipped in this jar. */
  public static NginxConfig bundled() {
    try (InputStream in = NginxConfig.class.getResourceAsStream(TEMPLATE_RESOURCE)) {
      if (in == null) throw new IllegalStateException(TEMPLATE_RESOURCE + " is missing from the classpath");
      return new NginxConfig(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A template of the operator's own, with the same placeholders. */
  public static NginxConfig fromFile(Path template) {
    try {
      return new NginxConfig(Files.readString(template, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + template, e);
    }
  }

  /** The configuration that sends traffic to the {@code ready} ones of {@code backends}. */
  public String render(Settings settings, List<Backend> backends, Set<Backend> ready) {
    if (backends.isEmpty()) throw new IllegalArgumentException("no backends");
    Matcher matcher = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (matcher.find()) {
      String value = switch (matcher.group(1)) {
        case "PREFIX" -> settings.prefix().toString();
        case "LISTEN" -> settings.listen();
        case "WORKERS" -> settings.workers();
        case "SERVERS" -> String.join("\n", serverLines(settings, backends, ready));
        default -> throw new IllegalStateException("unknown placeholder " + matcher.group());
      };
      matcher.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    matcher.appendTail(out);
    return out.toString();
  }

  /** One {@code server} line per backend, {@code down} unless ready (all up when none is). */
  static List<String> serverLines(Settings settings, List<Backend> backends, Set<Backend> ready) {
    boolean anyReady = backends.stream().anyMatch(ready::contains);
    List<String> lines = new ArrayList<>();
    for (Backend backend : backends) {
      boolean down = anyReady && !ready.contains(backend);
      lines.add("    server " + backend.address() + " max_fails=" + settings.maxFails() + " fail_timeout="
          + settings.failTimeout().toSeconds() + "s" + (down ? " down" : "") + ";");
    }
    return lines;
  }
}
