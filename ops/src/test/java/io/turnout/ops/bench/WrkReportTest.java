package io.turnout.ops.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WrkReportTest {

  private static final String CLEAN =
      """
      Running 10s test @ http://127.0.0.1:41234/v1/models/iris:predict
        2 threads and 16 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency     1.71ms  465.52us  14.91ms   84.64%
          Req/Sec     4.71k   285.67     5.24k    70.50%
        Latency Distribution
           50%    1.62ms
           75%    1.85ms
           90%    2.18ms
           99%    3.33ms
        93757 requests in 10.00s, 16.72MB read
      Requests/sec:   9374.87
      Transfer/sec:      1.67MB
      """;

  @Test
  void readsRateCountAndPercentilesInMilliseconds() {
    WrkReport report = WrkReport.parse(CLEAN);

    assertEquals(93757, report.requests());
    assertEquals(9374.87, report.requestsPerSecond(), 1e-9);
    assertEquals(1.62, report.p50Millis(), 1e-9);
    assertEquals(3.33, report.p99Millis(), 1e-9);
    assertEquals(0, report.errors());
  }

  @Test
  void convertsMicrosecondsAndSeconds() {
    String output =
        CLEAN.replace("50%    1.62ms", "50%  372.00us").replace("99%    3.33ms", "99%    1.20s");

    WrkReport report = WrkReport.parse(output);

    assertEquals(0.372, report.p50Millis(), 1e-9);
    assertEquals(1200.0, report.p99Millis(), 1e-9);
  }

  @Test
  void countsSocketErrorsAndNon2xxAnswersAsErrors() {
    String output =
        CLEAN.replace(
            "  93757 requests in 10.00s, 16.72MB read\n",
            "  93757 requests in 10.00s, 16.72MB read\n"
                + "  Socket errors: connect 0, read 2, write 0, timeout 3\n"
                + "  Non-2xx or 3xx responses: 40\n");

    assertEquals(45, WrkReport.parse(output).errors());
  }

  @Test
  void refusesOutputWithoutTheLatencyDistribution() {
    String output = CLEAN.replaceAll("(?m)^\\s+\\d\\d%.*\\n", "");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WrkReport.parse(output));
    assertEquals(true, e.getMessage().contains("--latency"), e.getMessage());
  }

  @Test
  void refusesWhatIsNotWrkOutput() {
    assertThrows(
        IllegalArgumentException.class,
        () -> WrkReport.parse("unable to connect to 127.0.0.1:1 Connection refused"));
  }
}
