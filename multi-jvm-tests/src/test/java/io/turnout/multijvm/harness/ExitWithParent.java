package io.turnout.multijvm.harness;

import java.io.IOException;

/**
 * Main class of every node JVM the harness starts: starts a watchdog, then runs the node's own
 * main class (the first argument) with the rest of the arguments. The watchdog halts the JVM when
 * its standard input reaches end-of-file: the harness holds the other end of that pipe, so a node
 * never outlives the test JVM, however that ends (even by SIGKILL, when no shutdown hook runs).
 *
 * <p>The harness copies this one class file into the run's folder and puts it before the node jar
 * on the node's classpath. It must stay a single class that uses only the JDK.
 */
public final class ExitWithParent {
  /** Distinct from the node's own exit codes (0 stopped, 3 refused or downed). */
  static final int HALTED = 86;

  private ExitWithParent() {}

  public static void main(String[] args) throws ReflectiveOperationException {
    ProcessHandle parent = ProcessHandle.current().parent().orElse(null);
    Thread watchdog = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // the harness never writes; wait for end-of-file
        }
      } catch (IOException e) {
        // a broken pipe means the same as end-of-file
      }
      // The pipe also ends while this JVM shuts down on its own (SIGTERM): only a parent that is
      // really gone counts.
      if (parent != null && parent.isAlive()) return;
      System.err.println("[exit-with-parent] the test JVM is gone: halting");
      Runtime.getRuntime().halt(HALTED);
    }, "exit-with-parent");
    watchdog.setDaemon(true);
    watchdog.start();
    String[] rest = new String[args.length - 1];
    System.arraycopy(args, 1, rest, 0, rest.length);
    Class.forName(args[0]).getMethod("main", String[].class).invoke(null, (Object) rest);
  }
}
