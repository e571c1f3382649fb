package io.turnout.multijvm.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The processes a run started, one line each ({@code pid startInstant what}) in {@code pids} of the
 * run's folder, so that a later run can kill what a run killed by SIGKILL left behind (nginx has no
 * watchdog of its own). A process counts as the one recorded only if its start time matches, so a
 * reused pid is never killed.
 */
public final class PidRegistry {
  private final Path file;

  public PidRegistry(Path runDir) {
    this.file = runDir.resolve("pids");
  }

  public synchronized void record(String what, ProcessHandle process) {
    String started = process.info().startInstant().map(Instant::toString).orElse("-");
    try {
      Files.writeString(file, process.pid() + " " + started + " " + what + "\n", StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** Kills, with their descendants, the recorded processes of {@code runDir} that still run. */
  public static int killLeftovers(Path runDir, Consumer<String> progress) {
    Path pids = runDir.resolve("pids");
    if (!Files.isRegularFile(pids)) return 0;
    int killed = 0;
    try (Stream<String> lines = Files.lines(pids, StandardCharsets.UTF_8)) {
      for (String line : lines.toList()) {
        List<String> fields = List.of(line.split(" ", 3));
        if (fields.size() < 3) continue;
        Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(fields.get(0)));
        if (process.isEmpty() || !process.get().isAlive()) continue;
        String started = process.get().info().startInstant().map(Instant::toString).orElse("-");
        if (!started.equals(fields.get(1))) continue;
        progress.accept("killing " + fields.get(2) + " (pid " + fields.get(0) + ") left over by an earlier run");
        process.get().descendants().forEach(ProcessHandle::destroyForcibly);
        process.get().destroyForcibly();
        killed++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + pids, e);
    }
    return killed;
  }
}
