package io.turnout.ops.bench;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One measured run: a system at one concurrency for a fixed duration.
 *
 * @param requests requests (or calls) completed in the measured window
 * @param errors requests that failed: non-2xx answers, socket errors, exceptions
 * @param cpuMicrosPerRequest CPU time of the serving process per request, NaN when not measured
 * @param otherCores CPU that processes other than the benchmark's used meanwhile, in cores
 */
record Measurement(
    String system,
    int concurrency,
    long requests,
    long errors,
    double requestsPerSecond,
    double p50Millis,
    double p99Millis,
    double cpuMicrosPerRequest,
    double otherCores) {

  private static final String PREFIX = "MEASUREMENT ";

  /** One line that a parent process reads back with {@link #parseLine}. */
  String toLine() {
    return String.format(
        Locale.ROOT,
        "%ssystem=%s concurrency=%d requests=%d errors=%d rps=%.3f p50ms=%.6f p99ms=%.6f cpuus=%.3f other=%.3f",
        PREFIX,
        system,
        concurrency,
        requests,
        errors,
        requestsPerSecond,
        p50Millis,
        p99Millis,
        cpuMicrosPerRequest,
        otherCores);
  }

  static boolean isLine(String line) {
    return line.startsWith(PREFIX);
  }

  static Measurement parseLine(String line) {
    if (!isLine(line)) {
      throw new IllegalArgumentException("not a measurement: " + line);
    }
    Map<String, String> fields = new HashMap<>();
    for (String pair : line.substring(PREFIX.length()).trim().split(" +")) {
      int eq = pair.indexOf('=');
      fields.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return new Measurement(
        fields.get("system"),
        Integer.parseInt(fields.get("concurrency")),
        Long.parseLong(fields.get("requests")),
        Long.parseLong(fields.get("errors")),
        Double.parseDouble(fields.get("rps")),
        Double.parseDouble(fields.get("p50ms")),
        Double.parseDouble(fields.get("p99ms")),
        Double.parseDouble(fields.get("cpuus")),
        Double.parseDouble(fields.get("other")));
  }
}
