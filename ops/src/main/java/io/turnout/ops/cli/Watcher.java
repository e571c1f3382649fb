package io.turnout.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code rollout watch}: follows a model's rollout events (server-sent events) until the rollout
 * ends, printing one line per event, and on a terminal a progress bar of the current phase redrawn
 * in place under them. Returns 0 when the rollout is promoted, 3 when it is rolled back or aborted.
 * A dropped stream is reopened after the last event seen; when no rollout is in progress it reports
 * how the last one ended.
 */
final class Watcher {
  static final Set<String> PROMOTED = Set.of("Promoted");
  static final Set<String> ROLLED_BACK = Set.of("RolledBack", "Aborted");
  private static final int BAR_WIDTH = 20;
  private static final int RECONNECTS = 10;
  private static final String CLEAR_LINE = "\r\033[K";

  private final AdminClient client;
  private final String model;
  private final PrintWriter out;
  private final boolean terminal;
  private final boolean json;
  private final Duration reconnectDelay;
  private String bar = "";

  Watcher(AdminClient client, String model, PrintWriter out, boolean terminal, boolean json) {
    this(client, model, out, terminal, json, Duration.ofSeconds(1));
  }

  Watcher(AdminClient client, String model, PrintWriter out, boolean terminal, boolean json, Duration reconnectDelay) {
    this.client = client;
    this.model = model;
    this.out = out;
    this.terminal = terminal;
    this.json = json;
    this.reconnectDelay = reconnectDelay;
  }

  int watch() {
    String rollout = Commands.AdminCommand.rolloutPath(model);
    long last = client.get(rollout + "/history?limit=1").json().path("lastSequence").asLong();
    JsonNode status = client.get(rollout).json();
    if (status.path("rollout").isNull() || status.path("rollout").isMissingNode()) return lastOutcome(rollout, last);
    if (!json) line("watching " + model + ": " + Render.status(status).lines().findFirst().orElse(""));
    drawBar(status);
    return follow(last);
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
          if (terminal) refreshBar();
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

  private int end(int code) {
    if (terminal && !bar.isEmpty()) {
      out.print(CLEAR_LINE);
      bar = "";
    }
    out.flush();
    return code;
  }

  /** A line above the bar: the bar is cleared, the line printed, the bar drawn again. */
  private void line(String text) {
    if (terminal && !bar.isEmpty()) out.print(CLEAR_LINE);
    out.println(text);
    if (terminal && !bar.isEmpty()) out.print(bar);
    out.flush();
  }

  private void refreshBar() {
    try {
      drawBar(client.get(Commands.AdminCommand.rolloutPath(model)).json());
    } catch (CliException notNow) {
      // the bar stays as it was; the events go on
    }
  }

  private void drawBar(JsonNode status) {
    if (!terminal) return;
    bar = Render.progressBar(status, BAR_WIDTH);
    out.print(CLEAR_LINE + bar);
    out.flush();
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
