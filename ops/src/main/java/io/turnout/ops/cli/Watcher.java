package io.turnout.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code rollout watch}: follows a model's rollout events (server-sent events) until the rollout
 * ends, printing one line per event. On a terminal a panel under them is redrawn in place: a
 * progress bar of the current phase and what the phase has shown so far (shadow agreement, bandit
 * allocation, the A/B report), refreshed every {@code every}. Elsewhere (a log, a pipe) that
 * analysis is printed whenever it has changed, at most every {@code every}. When the rollout ends
 * the analysis as last seen stays on screen. Returns 0 when the rollout is promoted, 3 when it is
 * rolled back or aborted. A dropped stream is reopened after the last event seen; when no rollout
 * is in progress it reports how the last one ended.
 */
final class Watcher {
  static final Set<String> PROMOTED = Set.of("Promoted");
  static final Set<String> ROLLED_BACK = Set.of("RolledBack", "Aborted");
  private static final int BAR_WIDTH = 20;
  private static final int RECONNECTS = 10;
  private static final String CLEAR_LINE = "\r\033[K";
  private static final String UP_AND_CLEAR = "\033[1A\033[K";
  private static final int DEFAULT_COLUMNS = 120;

  private final AdminClient client;
  private final String model;
  private final PrintWriter out;
  private final boolean terminal;
  private final boolean json;
  private final Duration reconnectDelay;
  private final Duration every;
  private final int columns;

  /** Guards the output and the fields below: events and the refresher both print. */
  private final Object lock = new Object();
  /** Terminal: the lines drawn under the events, the cursor at the end of the last one. */
  private List<String> panel = List.of();
  /** The current phase's analysis as last fetched, and when. */
  private List<String> analysis = List.of();
  private Instant analysisAt = Instant.EPOCH;
  /** Not a terminal: the analysis as last printed. */
  private List<String> printed = List.of();
  private boolean ended;

  Watcher(AdminClient client, String model, PrintWriter out, boolean terminal, boolean json, Duration every) {
    this(client, model, out, terminal, json, every, Duration.ofSeconds(1), terminal ? terminalColumns() : DEFAULT_COLUMNS);
  }

  Watcher(AdminClient client, String model, PrintWriter out, boolean terminal, boolean json, Duration every,
      Duration reconnectDelay, int columns) {
    this.client = client;
    this.model = model;
    this.out = out;
    this.terminal = terminal;
    this.json = json;
    this.every = every;
    this.reconnectDelay = reconnectDelay;
    this.columns = columns;
  }

  int watch() {
    String rollout = Commands.AdminCommand.rolloutPath(model);
    long last = client.get(rollout + "/history?limit=1").json().path("lastSequence").asLong();
    JsonNode status = client.get(rollout).json();
    if (status.path("rollout").isNull() || status.path("rollout").isMissingNode()) return lastOutcome(rollout, last);
    if (!json) line("watching " + model + ": " + Render.status(status).lines().findFirst().orElse(""));
    show(status);
    ScheduledExecutorService refresher = json || every.isZero() ? null : startRefresher();
    try {
      return follow(last);
    } finally {
      if (refresher != null) refresher.shutdownNow();
    }
  }

  private ScheduledExecutorService startRefresher() {
    ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "turnoutctl-watch-refresh");
      thread.setDaemon(true);
      return thread;
    });
    refresher.scheduleWithFixedDelay(this::refresh, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return refresher;
  }

  /** No rollout in progress: how the last one ended (it may have ended just now). */
  private int lastOutcome(String rollout, long last) {
    JsonNode page = client.get(rollout + "/history?after=" + Math.max(0, last - 100) + "&limit=1000").json();
    JsonNode outcome = null;
    for (JsonNode entry : page.path("entries")) {
      String event = entry.path("event").asText();
      if (PROMOTED.contains(event) || ROLLED_BACK.contains(event)) outcome = entry;
    }
    if (outcome == null) {
      throw new CliException(ExitCodes.REFUSED, "no rollout of '" + model + "' is in progress, and none has ended");
    }
    event(outcome);
    return PROMOTED.contains(outcome.path("event").asText()) ? ExitCodes.OK : ExitCodes.ROLLED_BACK;
  }

  private int follow(long after) {
    SseParser parser = new SseParser();
    long lastId = after;
    int failures = 0;
    while (true) {
      IOException error = null;
      try (Stream<String> lines = client.events(model, lastId)) {
        Iterator<String> it = lines.iterator();
        while (it.hasNext()) {
          Optional<SseParser.Event> event = parser.line(it.next());
          if (event.isEmpty()) continue;
          failures = 0;
          JsonNode entry = parse(event.get().data());
          if (entry == null) continue;
          lastId = entry.path("sequence").asLong(lastId);
          event(entry);
          String name = entry.path("event").asText();
          if (PROMOTED.contains(name)) return end(ExitCodes.OK);
          if (ROLLED_BACK.contains(name)) return end(ExitCodes.ROLLED_BACK);
          if (!json) refresh();
        }
      } catch (IOException e) {
        error = e;
      } catch (UncheckedIOException e) {
        error = e.getCause();
      }
      // The stream ended or broke: open it again after the last event seen.
      if (++failures > RECONNECTS) {
        end(ExitCodes.UNAVAILABLE);
        if (error != null) throw client.unreachable(error);
        throw new CliException(ExitCodes.UNAVAILABLE, "the event stream of '" + model + "' keeps closing");
      }
      sleep(reconnectDelay);
    }
  }

  private static JsonNode parse(String data) {
    try {
      return AdminClient.JSON.readTree(data);
    } catch (IOException notJson) {
      return null;
    }
  }

  private void event(JsonNode entry) {
    line(json ? entry.toString() : Render.eventLine(entry));
  }

  /** The rollout ended: the panel goes, and what the phase had shown stays (as last seen). */
  private int end(int code) {
    synchronized (lock) {
      ended = true;
      clearPanel();
      if (!json && !analysis.isEmpty() && (terminal || !analysis.equals(printed))) {
        out.println("as last seen at " + Render.TIME.format(analysisAt) + ":");
        analysis.forEach(out::println);
      }
      out.flush();
    }
    return code;
  }

  /** A line above the panel: the panel is cleared, the line printed, the panel drawn again. */
  private void line(String text) {
    synchronized (lock) {
      List<String> kept = panel;
      clearPanel();
      out.println(text);
      draw(kept);
      out.flush();
    }
  }

  /** Fetches the status and shows it; a failed fetch leaves things as they were, the events go on. */
  private void refresh() {
    try {
      show(client.get(Commands.AdminCommand.rolloutPath(model)).json());
    } catch (RuntimeException notNow) {
      // an unreachable node or an odd answer: shown again at the next refresh or event
    }
  }

  private void show(JsonNode status) {
    if (json) return;
    List<String> lines = Render.analysis(status);
    synchronized (lock) {
      if (ended) return;
      if (status.path("rollout").isObject()) {
        analysis = lines;
        analysisAt = Instant.now();
      }
      if (terminal) {
        List<String> next = new ArrayList<>();
        next.add(Render.progressBar(status, BAR_WIDTH));
        next.addAll(lines);
        clearPanel();
        draw(next);
      } else if (!lines.isEmpty() && !lines.equals(printed)) {
        lines.forEach(out::println);
        printed = lines;
      }
      out.flush();
    }
  }

  /** Terminal: draws lines as the panel, each cut to the terminal's width so it takes one row. */
  private void draw(List<String> lines) {
    if (!terminal || lines.isEmpty()) return;
    List<String> cut = new ArrayList<>();
    for (String line : lines) cut.add(line.length() < columns ? line : line.substring(0, Math.max(0, columns - 2)) + "…");
    out.print(String.join("\n", cut));
    panel = cut;
  }

  private void clearPanel() {
    if (!terminal || panel.isEmpty()) return;
    StringBuilder clear = new StringBuilder(CLEAR_LINE);
    for (int i = 1; i < panel.size(); i++) clear.append(UP_AND_CLEAR);
    out.print(clear);
    panel = List.of();
  }

  /** The terminal's width from COLUMNS or {@code stty size}, else 120. */
  static int terminalColumns() {
    String env = System.getenv("COLUMNS");
    if (env != null && env.matches("\\d{2,4}")) return Integer.parseInt(env);
    try {
      Process stty = new ProcessBuilder("stty", "size").redirectInput(new File("/dev/tty"))
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String size = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
      if (stty.waitFor(2, TimeUnit.SECONDS) && size.matches("\\d+ \\d+")) return Integer.parseInt(size.split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      // no terminal to ask
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return DEFAULT_COLUMNS;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.UNAVAILABLE, "interrupted");
    }
  }
}
