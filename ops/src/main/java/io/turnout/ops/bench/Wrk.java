package io.turnout.ops.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Closed-loop HTTP load with Debian's {@code wrk}: N connections each POST the same JSON body
 * and wait for the answer before the next. Threads stay at or below connections and at most 2.
 */
final class Wrk {

  static final String BODY = "{\"instances\": [[5.1,3.5,1.4,0.2]]}";
  private static final int MAX_THREADS = 2;

  private final String executable;
  private final Path script;

  private Wrk(String executable, Path script) {
    this.executable = executable;
    this.script = script;
  }

  /** Writes the POST script into {@code workDir}. */
  static Wrk create(String executable, Path workDir) throws IOException {
    Files.createDirectories(workDir);
    Path script = workDir.resolve("predict-post.lua");
    Files.writeString(
        script,
        String.join(
            "\n",
            "wrk.method = \"POST\"",
            "wrk.body = '" + BODY + "'",
            "wrk.headers[\"Content-Type\"] = \"application/json\"",
            ""),
        StandardCharsets.UTF_8);
    return new Wrk(executable, script);
  }

  static int threadsFor(int connections) {
    return Math.max(1, Math.min(MAX_THREADS, connections));
  }

  /** Runs wrk against {@code url} (loopback only) and parses what it printed. */
  WrkReport run(URI url, int connections, Duration duration)
      throws IOException, InterruptedException {
    if (!url.getHost().equals("127.0.0.1")) {
      throw new IllegalArgumentException("load goes to 127.0.0.1 only, not " + url);
    }
    List<String> command =
        List.of(
            executable,
            "-t" + threadsFor(connections),
            "-c" + connections,
            "-d" + duration.toSeconds() + "s",
            "--timeout",
            "10s",
            "--latency",
            "-s",
            script.toString(),
            url.toString());
    Process wrk = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      byte[] output = wrk.getInputStream().readAllBytes();
      if (!wrk.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
        throw new IOException("wrk did not finish: " + command);
      }
      String text = new String(output, StandardCharsets.UTF_8);
      if (wrk.exitValue() != 0) {
        throw new IOException("wrk exited with " + wrk.exitValue() + ":\n" + text);
      }
      return WrkReport.parse(text);
    } finally {
      wrk.destroyForcibly();
    }
  }
}
