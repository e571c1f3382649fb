package io.turnout.persistence.cassandra;

import java.io.IOException;

/**
 * Main class of the Cassandra JVM that {@link CassandraLauncher} starts. It runs Cassandra's own
 * {@code CassandraDaemon} and, with {@code -Dturnout.cassandra.exit-with-parent=true}, exits when
 * its standard input reaches end-of-file: the launching JVM holds the other end of that pipe, so
 * the pipe closes however that JVM ends, even by SIGKILL. {@code System.exit} runs Cassandra's
 * shutdown hook, which drains and flushes as on SIGTERM.
 *
 * <p>The launcher copies this one class file next to the server's configuration and puts that
 * folder on the server's classpath, so that nothing else of Turnout reaches Cassandra's JVM. It
 * must therefore stay a single class file that uses only the JDK (lambdas are fine; nested or
 * anonymous classes are not).
 */
public final class CassandraServerMain {
  static final String EXIT_WITH_PARENT = "turnout.cassandra.exit-with-parent";
  private static final String DAEMON = "org.apache.cassandra.service.CassandraDaemon";

  private CassandraServerMain() {}

  public static void main(String[] args) throws ReflectiveOperationException {
    if (Boolean.getBoolean(EXIT_WITH_PARENT)) {
      Thread watchdog = new Thread(() -> {
        try {
          while (System.in.read() >= 0) {
            // the launcher never writes; wait for end-of-file
          }
        } catch (IOException e) {
          // a broken pipe means the same as end-of-file
        }
        System.exit(0);
      }, "turnout-exit-with-parent");
      watchdog.setDaemon(true);
      watchdog.start();
    }
    Class.forName(DAEMON).getMethod("main", String[].class).invoke(null, (Object) args);
  }
}
