package io.turnout.node.admin;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading and writing the admin API's JSON: strict reading (unknown fields, duplicate keys and
 * wrong types are refused with a {@link Problem} naming the field by JSON pointer) and the
 * human-facing units: percent (inside: basis points) and durations such as {@code 30s}.
 */
final class Json {
  static final ObjectMapper MAPPER = JsonMapper.builder().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).build();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}");
  static final Duration MAX_DURATION = Duration.ofDays(30);

  private Json() {}

  /** The body as a JSON object: 400 when it is not JSON at all, 422 when it is JSON of another shape. */
  static ObjectNode object(byte[] body) {
    if (body.length == 0) throw Problem.malformed("the request body is empty; it must be a JSON object");
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw Problem.malformed("invalid JSON at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new UncheckedIOException("reading JSON from memory failed", e);
    }
    if (node == null || node.isMissingNode()) throw Problem.malformed("the request body holds no JSON value");
    if (!node.isObject()) throw Problem.invalid("", "the request body must be a JSON object, not " + describe(node));
    return (ObjectNode) node;
  }

  /** Refuses fields of {@code node} other than {@code allowed}. */
  static void onlyFields(ObjectNode node, String pointer, Set<String> allowed, String what) {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw Problem.invalid(pointer + "/" + name, "unknown field '" + name + "' in " + what + " (expected "
            + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  static JsonNode required(ObjectNode node, String field, String pointer, String what) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) throw Problem.invalid(pointer + "/" + field, what + " needs '" + field + "'");
    return value;
  }

  static long positiveLong(JsonNode value, String pointer, String what) {
    if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 1) {
      throw Problem.invalid(pointer, what + " must be a whole number of at least 1, not " + describe(value));
    }
    return value.asLong();
  }

  static int intWithin(JsonNode value, int min, int max, String pointer, String what) {
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
      throw Problem.invalid(pointer, what + " must be a whole number from " + min + " to " + max + ", not "
          + describe(value));
    }
    return value.asInt();
  }

  static double doubleWithin(JsonNode value, double min, double max, boolean minExclusive, String pointer,
      String what) {
    if (!value.isNumber() || !Double.isFinite(value.asDouble()) || value.asDouble() > max
        || (minExclusive ? value.asDouble() <= min : value.asDouble() < min)) {
      throw Problem.invalid(pointer, what + " must be a number " + (minExclusive ? "above " : "from ") + plain(min)
          + (max == Double.MAX_VALUE ? "" : " to " + plain(max)) + ", not " + describe(value));
    }
    return value.asDouble();
  }

  static String string(JsonNode value, String pointer, String what) {
    if (!value.isTextual()) throw Problem.invalid(pointer, what + " must be a string, not " + describe(value));
    return value.asText();
  }

  /** An HTTP header name (an RFC 9110 token). */
  static String headerName(JsonNode value, String pointer, String what) {
    String name = string(value, pointer, what);
    if (!HEADER_NAME.matcher(name).matches()) {
      throw Problem.invalid(pointer, what + " must be an HTTP header name such as X-User-Id, not \"" + name + "\"");
    }
    return name;
  }

  /** A percentage (0 to 100, at most two decimals) as basis points (0 to 10 000). */
  static int percent(JsonNode value, String pointer, String what) {
    if (!value.isNumber()) throw Problem.invalid(pointer, what + " must be a percentage (a number), not " + describe(value));
    BigDecimal basisPoints = value.decimalValue().movePointRight(2);
    if (basisPoints.signum() < 0 || basisPoints.compareTo(BigDecimal.valueOf(10_000)) > 0) {
      throw Problem.invalid(pointer, what + " must be a percentage from 0 to 100, not " + value.asText());
    }
    if (basisPoints.stripTrailingZeros().scale() > 0) {
      throw Problem.invalid(pointer, what + " must be a percentage with at most two decimals, not " + value.asText());
    }
    return basisPoints.intValueExact();
  }

  /** Basis points as a percentage: a whole number when it is one (5, not 5.0). */
  static JsonNode percentNode(int basisPoints) {
    return basisPoints % 100 == 0 ? IntNode.valueOf(basisPoints / 100) : NODES.numberNode(basisPoints / 100.0);
  }

  /**
   * A duration written {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 1d}, or in ISO
   * 8601 ({@code PT30S}); from zero to 30 days.
   */
  static Duration duration(JsonNode value, String pointer, String what) {
    String text = string(value, pointer, what).trim();
    Duration parsed = parseDuration(text);
    if (parsed == null) {
      throw Problem.invalid(pointer, what + " must be a duration such as 30s, 5m, 1h or PT30S, not \"" + text + "\"");
    }
    if (parsed.isNegative() || parsed.compareTo(MAX_DURATION) > 0) {
      throw Problem.invalid(pointer, what + " must be from 0s to 30d, not \"" + text + "\"");
    }
    return parsed;
  }

  /** Parses a duration in either notation, or null when it is neither. */
  static Duration parseDuration(String text) {
    Matcher short_ = DURATION.matcher(text.toLowerCase(Locale.ROOT));
    if (short_.matches()) {
      long amount = Long.parseLong(short_.group(1));
      return switch (short_.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    if (text.length() > 1 && (text.charAt(0) == 'P' || text.charAt(0) == 'p')) {
      try {
        return Duration.parse(text);
      } catch (DateTimeParseException e) {
        return null;
      }
    }
    return null;
  }

  /** The shortest exact short form: {@code 1h}, {@code 90s}, {@code 500ms}. */
  static String formatDuration(Duration duration) {
    long millis = duration.toMillis();
    if (millis == 0) return "0s";
    if (millis % 86_400_000 == 0) return millis / 86_400_000 + "d";
    if (millis % 3_600_000 == 0) return millis / 3_600_000 + "h";
    if (millis % 60_000 == 0) return millis / 60_000 + "m";
    if (millis % 1000 == 0) return millis / 1000 + "s";
    return millis + "ms";
  }

  static String describe(JsonNode node) {
    return switch (node.getNodeType()) {
      case STRING -> "the string \"" + abbreviate(node.asText()) + "\"";
      case NUMBER -> node.asText();
      case BOOLEAN -> node.asText();
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> node.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }

  private static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "…";
  }

  private static String plain(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  static byte[] write(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("writing JSON failed", e);
    }
  }
}
