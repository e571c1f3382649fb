package io.turnout.ops.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time (user + system, all threads) of a Linux process, from {@code /proc/<pid>/stat}. */
final class ProcessCpu {

  /** Clock ticks per second of {@code /proc} times: 100 on every Linux this runs on. */
  private static final long TICKS_PER_SECOND = 100;

  private ProcessCpu() {}

  /** CPU time used so far by process {@code pid}, in microseconds. */
  static long micros(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read CPU time of process " + pid, e);
    }
    // The command name (field 2) may hold spaces; the fields after its ')' are plain.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
    return ticks * 1_000_000 / TICKS_PER_SECOND;
  }

  static long selfMicros() {
    return micros(ProcessHandle.current().pid());
  }
}
