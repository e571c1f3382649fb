package io.turnout.ops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.ops.cli.SseParser.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  static List<Event> parse(String stream) {
    SseParser parser = new SseParser();
    List<Event> events = new ArrayList<>();
    stream.lines().forEach(line -> parser.line(line).ifPresent(events::add));
    parser.line("").ifPresent(events::add);
    return events;
  }

  @Test
  void readsEventsWithIdNameAndData() {
    assertEquals(List.of(new Event("7", "Promoted", "{\"sequence\":7}"), new Event("8", "message", "x")),
        parse("retry: 2000\n\nid: 7\nevent: Promoted\ndata: {\"sequence\":7}\n\nid: 8\ndata: x\n\n"));
  }

  @Test
  void ignoresCommentsAndJoinsDataLines() {
    assertEquals(List.of(new Event("", "message", "a\nb")), parse(": keep-alive\n\ndata: a\ndata:b\n\n"));
  }

  @Test
  void aBlockWithoutDataIsNoEvent() {
    assertTrue(parse("id: 3\nevent: Paused\n\n: keep-alive\n\n").isEmpty());
  }

  @Test
  void rememberTheLastId() {
    SseParser parser = new SseParser();
    parser.line("id: 12");
    parser.line("data: {}");
    parser.line("");
    parser.line("data: {}");
    assertEquals("12", parser.line("").orElseThrow().id(), "an event without id has the last one");
    assertEquals("12", parser.lastId());
  }
}
