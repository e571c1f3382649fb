package io.turnout.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension for tests that need a real Cassandra: one server per test JVM, started by the
 * first test class that uses the extension, shared by every later one, and stopped when JUnit ends
 * (it lives in the root context's store). It runs in a JVM of its own ({@link CassandraLauncher},
 * attached: it also goes away if the test JVM is killed), on free ports, with its data in
 * {@code target/cassandra-test/<pid of the test JVM>/}; folders of earlier runs are removed.
 *
 * <pre>{@code
 * @ExtendWith(RealCassandra.class)
 * class JournalTest {
 *   @Test
 *   void recovers(RealCassandra.Instance cassandra) {
 *     Config config = cassandra.config("journal_test"); // keyspaces journal_test, journal_test_journal, …
 *     ActorTestKit testKit = ActorTestKit.create(config);
 *     …
 *   }
 * }
 * }</pre>
 *
 * Parameters of type {@link Instance} or {@link CassandraEndpoint} are resolved in constructors,
 * lifecycle and test methods. To run against a Cassandra that is already running instead, set
 * {@code -Dturnout.test.cassandra=host:port} (and {@code turnout.test.cassandra.datacenter} if it
 * is not {@code datacenter1}).
 *
 * <p>Lives in the main sources, with JUnit as an optional dependency, so that other modules' tests
 * use it under a plain {@code mvn test}; the node never loads it.
 */
public final class RealCassandra implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RealCassandra.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    instance(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == Instance.class || type == CassandraEndpoint.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Instance instance = instance(context);
    return parameter.getParameter().getType() == Instance.class ? instance : instance.endpoint();
  }

  /** The JVM's shared server, started on first use. A failed start fails every later use at once, without retrying. */
  public static Instance instance(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Attempt.class, key -> Attempt.start(),
        Attempt.class).instance();
  }

  /** The outcome of the one start per JVM: the server, or why it did not start. */
  private record Attempt(Instance started, RuntimeException failure) implements ExtensionContext.Store.CloseableResource {
    static Attempt start() {
      try {
        return new Attempt(Instance.start(), null);
      } catch (RuntimeException e) {
        return new Attempt(null, e);
      }
    }

    Instance instance() {
      if (failure != null) throw new IllegalStateException("Cassandra for tests did not start: " + failure.getMessage(), failure);
      return started;
    }

    @Override
    public void close() {
      if (started != null) started.stop();
    }
  }

  /** The shared server of this test JVM. */
  public static final class Instance {
    private final CassandraEndpoint endpoint;
    private final CassandraLauncher launcher; // null for an external server
    private CassandraLauncher.Running running;

    private Instance(CassandraEndpoint endpoint, CassandraLauncher launcher, CassandraLauncher.Running running) {
      this.endpoint = endpoint;
      this.launcher = launcher;
      this.running = running;
    }

    static Instance start() {
      String external = System.getProperty("turnout.test.cassandra", System.getenv("TURNOUT_TEST_CASSANDRA"));
      if (external != null && !external.isBlank()) {
        int colon = external.lastIndexOf(':');
        CassandraEndpoint endpoint = new CassandraEndpoint(external.substring(0, colon),
            Integer.parseInt(external.substring(colon + 1)),
            System.getProperty("turnout.test.cassandra.datacenter", CassandraLauncher.DATACENTER));
        System.out.println("[cassandra] tests use the Cassandra at " + endpoint);
        return new Instance(endpoint, null, null);
      }
      Path runs = Path.of("target", "cassandra-test").toAbsolutePath();
      removeFoldersOfEndedRuns(runs);
      List<Integer> ports = freePorts(2);
      CassandraLauncher.Settings settings = CassandraLauncher.Settings.local(Path.of("."))
          .withHome(runs.resolve(Long.toString(ProcessHandle.current().pid())))
          .withPorts(ports.get(0), ports.get(1))
          .withDisposable(true)
          .withCacheDir(cacheDir())
          .withStartTimeout(Duration.ofMinutes(3));
      CassandraLauncher launcher = new CassandraLauncher(settings, line -> System.out.println("[cassandra] " + line));
      CassandraLauncher.Running running = launcher.start(CassandraLauncher.Mode.ATTACHED);
      return new Instance(settings.endpoint(), launcher, running);
    }

    public CassandraEndpoint endpoint() {
      return endpoint;
    }

    /** {@code host:port}. */
    public String contactPoint() {
      return endpoint.contactPoint();
    }

    public String host() {
      return endpoint.host();
    }

    public int port() {
      return endpoint.port();
    }

    public String datacenter() {
      return endpoint.datacenter();
    }

    /** The launcher of this server; empty when the tests use an external one. */
    public Optional<CassandraLauncher> launcher() {
      return Optional.ofNullable(launcher);
    }

    /**
     * A resolved config for an actor system (or {@link CassandraSettings#fromConfig}) that uses this
     * server: {@code turnout.cassandra} pointing here with keyspaces {@code <prefix>_journal},
     * {@code <prefix>_snapshot} and {@code <prefix>} (registry), created on demand (local profile);
     * {@code persistence.conf} (the Pekko journal and snapshot store on Cassandra); then
     * {@code application-test.conf} of the test classpath, if any, and the reference configs.
     * Give each test class its own prefix.
     */
    public Config config(String keyspacePrefix) {
      return config(keyspacePrefix, ConfigFactory.load("application-test"), true);
    }

    /** As {@link #config(String)}, over {@code base} (e.g. {@code ConfigFactory.load()}) instead. */
    public Config config(String keyspacePrefix, Config base) {
      return config(keyspacePrefix, base, true);
    }

    /**
     * As {@link #config(String, Config)}; with {@code localProfile} false nothing creates keyspaces
     * or tables, as in production, so the test must create them (e.g. from {@link CqlScript}s).
     */
    public Config config(String keyspacePrefix, Config base, boolean localProfile) {
      return ConfigFactory.parseString(settings(keyspacePrefix, localProfile))
          .withFallback(ConfigFactory.parseResources("persistence.conf"))
          .withFallback(base)
          .resolve();
    }

    /**
     * The HOCON that points a node at this server, with keyspaces named after {@code keyspacePrefix}
     * ({@code <prefix>_journal}, {@code <prefix>_snapshot}, {@code <prefix>}), for a node's own config.
     */
    public String settings(String keyspacePrefix, boolean localProfile) {
      if (!keyspacePrefix.matches("[a-z][a-z0-9_]{0,38}")) {
        throw new IllegalArgumentException("keyspace prefix must be lower-case letters, digits and _, at most 39: "
            + keyspacePrefix);
      }
      return """
          turnout.cassandra {
            contact-points = ["%s"]
            datacenter = "%s"
            journal-keyspace = "%s_journal"
            snapshot-keyspace = "%s_snapshot"
            registry-keyspace = "%s"
            replication-factor = 1
            local-profile = %b
          }
          # Creating keyspaces and tables on a busy test machine can take longer than the default 2 s.
          datastax-java-driver.basic.request.timeout = 20s
          """.formatted(contactPoint(), datacenter(), keyspacePrefix, keyspacePrefix, keyspacePrefix, localProfile);
    }

    /** A plain driver session on this server, for setting up and checking tables. The caller closes it. */
    public CqlSession openSession() {
      OptionsMap options = OptionsMap.driverDefaults();
      options.put(TypedDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(20));
      options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0);
      options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0);
      return CqlSession.builder()
          .withConfigLoader(DriverConfigLoader.fromMap(options))
          .addContactPoint(endpoint.address())
          .withLocalDatacenter(endpoint.datacenter())
          .build();
    }

    /**
     * Stops the server and starts it again on the same folder and ports, for tests of the launcher
     * itself. Sessions open across it reconnect or fail; other test classes must not hold any.
     */
    public synchronized Restart restart() {
      if (launcher == null) throw new IllegalStateException("the tests use an external Cassandra: cannot restart it");
      long stopBegun = System.nanoTime();
      running.close();
      Duration stopped = Duration.ofNanos(System.nanoTime() - stopBegun);
      running = launcher.start(CassandraLauncher.Mode.ATTACHED);
      return new Restart(stopped, running.startup());
    }

    /** How long a {@link #restart} took to stop the server and to start it again (until CQL answered). */
    public record Restart(Duration stop, Duration start) {}

    /** At the end of the JUnit run. */
    synchronized void stop() {
      if (running != null) running.close();
    }

    private static Path cacheDir() {
      String project = System.getProperty("turnout.project.dir");
      return project != null && !project.isBlank()
          ? Path.of(project, ".cache")
          : Path.of(System.getProperty("user.home"), ".cache", "turnout");
    }

    private static List<Integer> freePorts(int count) {
      ServerSocket[] sockets = new ServerSocket[count];
      try {
        for (int i = 0; i < count; i++) sockets[i] = new ServerSocket(0);
        return Stream.of(sockets).map(ServerSocket::getLocalPort).toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot find free ports", e);
      } finally {
        for (ServerSocket socket : sockets) {
          try {
            if (socket != null) socket.close();
          } catch (IOException e) {
            // the port is free either way
          }
        }
      }
    }

    /** Deletes target/cassandra-test/<pid> folders whose test JVM is gone. */
    private static void removeFoldersOfEndedRuns(Path runs) {
      if (!Files.isDirectory(runs)) return;
      try (Stream<Path> folders = Files.list(runs)) {
        for (Path folder : folders.toList()) {
          String name = folder.getFileName().toString();
          if (!name.matches("\\d{1,10}") || ProcessHandle.of(Long.parseLong(name)).isPresent()) continue;
          deleteTree(folder);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot clean " + runs, e);
      }
    }

    private static void deleteTree(Path root) throws IOException {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(path);
      }
    }
  }
}
