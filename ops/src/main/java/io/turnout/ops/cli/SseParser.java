package io.turnout.ops.cli;

import java.util.Optional;

/**
 * Server-sent events from lines, as the HTML standard reads them: {@code field: value} lines, a
 * blank line ends an event, lines starting with {@code :} are comments (keep-alives). Not
 * thread-safe: one per stream.
 */
final class SseParser {
  /** One event: its id (the last one seen when it had none), its name ("message" by default) and data. */
  record Event(String id, String name, String data) {}

  private String lastId = "";
  private String name = null;
  private StringBuilder data = null;

  /** Feeds one line; returns the event a blank line completes. */
  Optional<Event> line(String line) {
    if (line.isEmpty()) {
      Optional<Event> event = data == null ? Optional.empty()
          : Optional.of(new Event(lastId, name == null ? "message" : name, data.toString()));
      name = null;
      data = null;
      return event;
    }
    if (line.startsWith(":")) return Optional.empty();
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) value = value.substring(1);
    switch (field) {
      case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      case "event" -> name = value;
      case "id" -> {
        if (!value.contains("\0")) lastId = value;
      }
      default -> { } // retry and unknown fields
    }
    return Optional.empty();
  }

  String lastId() {
    return lastId;
  }
}
