package io.turnout.ops.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one {@code wrk --latency} run printed: requests, rate, median and 99th-percentile latency,
 * and failures (socket errors plus non-2xx/3xx answers).
 */
record WrkReport(
    long requests, double requestsPerSecond, double p50Millis, double p99Millis, long errors) {

  private static final Pattern REQUESTS = Pattern.compile("(?m)^\\s*(\\d+) requests in ");
  private static final Pattern RATE = Pattern.compile("(?m)^Requests/sec:\\s+([0-9.]+)");
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile(
          "(?m)^\\s*Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON_2XX =
      Pattern.compile("(?m)^\\s*Non-2xx or 3xx responses: (\\d+)");

  /** Parses wrk's text; throws when a figure the benchmark needs is missing. */
  static WrkReport parse(String output) {
    long requests = Long.parseLong(find(REQUESTS, output, "request count"));
    double rate = Double.parseDouble(find(RATE, output, "Requests/sec"));
    double p50 = percentile(output, "50");
    double p99 = percentile(output, "99");
    long errors = 0;
    Matcher socket = SOCKET_ERRORS.matcher(output);
    if (socket.find()) {
      for (int g = 1; g <= 4; g++) {
        errors += Long.parseLong(socket.group(g));
      }
    }
    Matcher non2xx = NON_2XX.matcher(output);
    if (non2xx.find()) {
      errors += Long.parseLong(non2xx.group(1));
    }
    return new WrkReport(requests, rate, p50, p99, errors);
  }

  /** A line of the "Latency Distribution" block, e.g. {@code "     99%    5.00ms"}, in ms. */
  private static double percentile(String output, String percent) {
    Pattern line =
        Pattern.compile("(?m)^\\s*" + percent + "%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$");
    Matcher m = line.matcher(output);
    if (!m.find()) {
      throw new IllegalArgumentException(
          "no " + percent + "% latency in wrk output (was --latency given?):\n" + output);
    }
    return toMillis(Double.parseDouble(m.group(1)), m.group(2));
  }

  private static double toMillis(double value, String unit) {
    return switch (unit) {
      case "us" -> value / 1_000;
      case "ms" -> value;
      case "s" -> value * 1_000;
      case "m" -> value * 60_000;
      case "h" -> value * 3_600_000;
      default -> throw new IllegalArgumentException("unknown wrk time unit " + unit);
    };
  }

  private static String find(Pattern pattern, String output, String what) {
    Matcher m = pattern.matcher(output);
    if (!m.find()) {
      throw new IllegalArgumentException("no " + what + " in wrk output:\n" + output);
    }
    return m.group(1);
  }
}
