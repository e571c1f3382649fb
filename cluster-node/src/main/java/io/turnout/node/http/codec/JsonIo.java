package io.turnout.node.http.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.regex.Pattern;

/** Small streaming helpers shared by the two codecs. */
final class JsonIo {
  private static final Pattern SOURCE_LOCATION = Pattern.compile("\\[Source: [^;]*; line: (\\d+), column: (\\d+)]");

  private JsonIo() {}

  /** Writes one JSON document. */
  interface Document {
    void write(JsonGenerator g) throws IOException;
  }

  interface Read<T> {
    T read(JsonParser p) throws IOException;
  }

  static byte[] write(JsonFactory factory, Document document) {
    ByteArrayBuilder out = new ByteArrayBuilder();
    try (JsonGenerator g = factory.createGenerator(out)) {
      document.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON to memory failed", e);
    }
    return out.toByteArray();
  }

  /**
   * Runs {@code read} over a request body, turning JSON syntax errors into {@link InvalidInputException}s
   * with their position, and insisting that nothing but whitespace follows the top-level value.
   */
  static <T> T read(JsonFactory factory, byte[] body, Read<T> read) {
    if (body.length == 0) throw new InvalidInputException("invalid JSON: the request body is empty");
    try (JsonParser p = factory.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new InvalidInputException("the request body must be a JSON object");
      }
      T result = read.read(p);
      if (p.nextToken() != null) {
        throw new InvalidInputException("unexpected content after the JSON object at " + where(p.currentTokenLocation()));
      }
      return result;
    } catch (JsonProcessingException e) {
      throw invalidJson(e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory failed", e);
    }
  }

  /** Reads one value of {@code body} again, starting at {@code offset}, where an earlier pass left it. */
  static <T> T reread(JsonFactory factory, byte[] body, long offset, Read<T> read) {
    try (JsonParser p = factory.createParser(body, (int) offset, body.length - (int) offset)) {
      p.nextToken();
      return read.read(p);
    } catch (JsonProcessingException e) {
      throw invalidJson(e);
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory failed", e);
    }
  }

  /** Byte offset of the current token, to come back to it with {@link #reread}. */
  static long offset(JsonParser p) {
    return p.currentTokenLocation().getByteOffset();
  }

  static InvalidInputException invalidJson(JsonProcessingException e) {
    JsonLocation location = e.getLocation();
    // Some of Jackson's messages embed a location of their own, written for developers.
    String message = SOURCE_LOCATION.matcher(e.getOriginalMessage()).replaceAll("line $1, column $2");
    return new InvalidInputException("invalid JSON: " + message + (location == null ? "" : " at " + where(location)));
  }

  private static String where(JsonLocation location) {
    return "line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  /** The current value, short, for error messages: {@code "abc"}, {@code 1.5}, {@code null}, {@code a list}. */
  static String describe(JsonParser p) throws IOException {
    JsonToken token = p.currentToken();
    if (token == null) return "nothing";
    return switch (token) {
      case START_ARRAY -> "a list";
      case START_OBJECT -> "an object";
      case VALUE_STRING -> '"' + shorten(p.getText()) + '"';
      default -> shorten(p.getText());
    };
  }

  private static String shorten(String text) {
    return text.length() <= 40 ? text : text.substring(0, 37) + "...";
  }

  static void expect(JsonParser p, JsonToken token, String what) throws IOException {
    if (p.currentToken() != token) throw new InvalidInputException(what + ", got " + describe(p));
  }

  static String names(Collection<String> names) {
    return names.isEmpty() ? "(none)" : String.join(", ", names);
  }
}
