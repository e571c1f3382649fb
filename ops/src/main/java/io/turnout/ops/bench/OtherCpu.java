package io.turnout.ops.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * CPU that processes other than the benchmark's own used during a window: a measurement taken
 * while a build or test runs beside it on the same two cores is not worth much, and this says so.
 * The benchmark's own are this process, its ancestors (the wrapper script) and its descendants
 * (the server, wrk).
 */
final class OtherCpu {

  private final Map<Long, Long> before;
  private final long start;

  private OtherCpu(Map<Long, Long> before, long start) {
    this.before = before;
    this.start = start;
  }

  static OtherCpu start() {
    return new OtherCpu(snapshot(), System.nanoTime());
  }

  /** Cores' worth of CPU (1.0 = one core busy all the time) that others used since start. */
  double cores() {
    Map<Long, Long> after = snapshot();
    Set<Long> ours = ours();
    long micros = 0;
    for (Map.Entry<Long, Long> e : after.entrySet()) {
      if (!ours.contains(e.getKey())) {
        micros += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0L));
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    return micros / 1e6 / seconds;
  }

  private static Set<Long> ours() {
    ProcessHandle self = ProcessHandle.current();
    Set<Long> pids =
        self.descendants().map(ProcessHandle::pid).collect(Collectors.toCollection(
            java.util.HashSet::new));
    for (ProcessHandle p = self; p != null; p = p.parent().orElse(null)) {
      pids.add(p.pid());
    }
    return pids;
  }

  private static Map<Long, Long> snapshot() {
    Map<Long, Long> cpu = new HashMap<>();
    try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
      entries
          .map(p -> p.getFileName().toString())
          .filter(name -> name.chars().allMatch(Character::isDigit))
          .forEach(
              name -> {
                try {
                  long pid = Long.parseLong(name);
                  cpu.put(pid, ProcessCpu.micros(pid));
                } catch (IllegalStateException gone) {
                  // ended between the listing and the read
                }
              });
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return cpu;
  }
}
