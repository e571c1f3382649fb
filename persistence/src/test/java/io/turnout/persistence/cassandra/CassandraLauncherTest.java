package io.turnout.persistence.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The launcher against the real server that {@link RealCassandra} starts for this JVM. */
@ExtendWith(RealCassandra.class)
class CassandraLauncherTest {

  @TempDir Path otherHome;

  @Test
  void theServerAnswersCqlAsCassandra5InItsOneDatacenter(RealCassandra.Instance cassandra) {
    try (CqlSession session = cassandra.openSession()) {
      Row local = session.execute("SELECT release_version, data_center, cluster_name FROM system.local").one();
      assertTrue(local.getString("release_version").startsWith("5.0."), local.getString("release_version"));
      assertEquals(CassandraLauncher.DATACENTER, local.getString("data_center"));
    }
  }

  @Test
  void aRestartOnTheSameFolderKeepsTheData(RealCassandra.Instance cassandra) {
    CassandraLauncher launcher = launcher(cassandra);
    long pidBefore = launcher.runningProcess().orElseThrow().pid();
    try (CqlSession session = cassandra.openSession()) {
      session.execute("CREATE KEYSPACE launcher_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
      session.execute("CREATE TABLE launcher_test.notes (id int PRIMARY KEY, text text)");
      for (int i = 0; i < 100; i++) {
        session.execute("INSERT INTO launcher_test.notes (id, text) VALUES (?, ?)", i, "note " + i);
      }
    }

    RealCassandra.Instance.Restart restart = cassandra.restart();
    System.out.printf(Locale.ROOT, "[cassandra] restart on the same folder: stopped in %.1f s, answered CQL again in %.1f s%n",
        restart.stop().toMillis() / 1000.0, restart.start().toMillis() / 1000.0);

    assertNotEquals(pidBefore, launcher.runningProcess().orElseThrow().pid(), "a new server process");
    try (CqlSession session = cassandra.openSession()) {
      List<Row> rows = session.execute("SELECT id, text FROM launcher_test.notes").all();
      assertEquals(100, rows.size());
      assertEquals("note 42", session.execute("SELECT text FROM launcher_test.notes WHERE id = 42").one().getString(0));
    }
  }

  @Test
  void aSecondLauncherOnTheSamePortReusesTheRunningServer(RealCassandra.Instance cassandra) {
    CassandraLauncher.Settings settings = launcher(cassandra).settings().withHome(otherHome);
    List<String> progress = new ArrayList<>();
    try (CassandraLauncher.Running reused = new CassandraLauncher(settings, progress::add).start(CassandraLauncher.Mode.ATTACHED)) {
      assertFalse(reused.started());
      assertTrue(reused.pid().isEmpty());
      assertTrue(reused.releaseVersion().startsWith("5.0."));
    }
    assertTrue(progress.get(0).startsWith("reusing Cassandra 5.0."), progress.toString());
    assertFalse(Files.exists(otherHome.resolve("storage")), "started nothing");
    assertTrue(launcher(cassandra).status().answers(), "closing a reused server leaves it running");
  }

  @Test
  void statusTellsWhetherThePortAnswersCql(RealCassandra.Instance cassandra) throws IOException {
    CassandraLauncher.Settings settings = launcher(cassandra).settings();
    CassandraLauncher.Status status = launcher(cassandra).status();
    assertTrue(status.answers());
    assertTrue(status.pid().isPresent());

    Cli running = cli("status", "--home", settings.home().toString(), "--port", Integer.toString(settings.nativePort()));
    assertEquals(0, running.exit(), running.out());
    assertTrue(running.out().contains("answers CQL: Cassandra 5.0."), running.out());
    assertTrue(running.out().contains("runs as pid " + status.pid().getAsLong()), running.out());

    int unused = freePort();
    Cli nothing = cli("status", "--home", otherHome.toString(), "--port", Integer.toString(unused));
    assertEquals(3, nothing.exit(), nothing.out());
    assertTrue(nothing.out().contains("nothing answers CQL on 127.0.0.1:" + unused), nothing.out());

    Cli stopNothing = cli("stop", "--home", otherHome.toString());
    assertEquals(0, stopNothing.exit());
    assertTrue(cli("bogus").exit() == 2 && cli("start", "--port").exit() == 2, "usage errors exit with 2");
  }

  @Test
  void aStoragePortInUseIsRefusedBeforeAnythingStarts(RealCassandra.Instance cassandra) throws IOException {
    try (ServerSocket taken = new ServerSocket(0)) {
      CassandraLauncher.Settings settings = launcher(cassandra).settings().withHome(otherHome)
          .withPorts(freePort(), taken.getLocalPort());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> new CassandraLauncher(settings, line -> {}).start(CassandraLauncher.Mode.ATTACHED));
      assertTrue(e.getMessage().contains("storage port 127.0.0.1:" + taken.getLocalPort() + " is in use"), e.getMessage());
    }
  }

  @Test
  void aPortTakenBySomethingElseIsNeitherReusedNorFought(RealCassandra.Instance cassandra) throws Exception {
    try (ServerSocket http = new ServerSocket(0)) {
      Thread answers = new Thread(() -> {
        while (!http.isClosed()) {
          try (var client = http.accept()) {
            client.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            return;
          }
        }
      });
      answers.setDaemon(true);
      answers.start();
      CassandraLauncher.Settings settings = launcher(cassandra).settings().withHome(otherHome)
          .withPorts(http.getLocalPort(), freePort());
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> new CassandraLauncher(settings, line -> {}).start(CassandraLauncher.Mode.ATTACHED));
      assertTrue(e.getMessage().contains("is in use by something that does not answer CQL"), e.getMessage());
      Cli status = cli("status", "--home", otherHome.toString(), "--port", Integer.toString(http.getLocalPort()));
      assertEquals(3, status.exit(), status.out());
    }
  }

  @Test
  void aServerThatCannotStartFailsWithTheTailOfItsOutput(RealCassandra.Instance cassandra) throws IOException {
    CassandraLauncher.Settings settings = launcher(cassandra).settings().withHome(otherHome)
        .withPorts(freePort(), freePort())
        .withJvmOptions(List.of("-XX:+TurnoutNoSuchOption"));
    List<String> progress = new ArrayList<>();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new CassandraLauncher(settings, progress::add).start(CassandraLauncher.Mode.ATTACHED));
    assertTrue(e.getMessage().startsWith("Cassandra exited with code 1 during start-up"), e.getMessage());
    assertTrue(e.getMessage().contains("Unrecognized VM option 'TurnoutNoSuchOption'"), e.getMessage());
    assertEquals(e.getMessage(), progress.get(progress.size() - 1), "the tail is printed, not only thrown");
    assertFalse(Files.exists(otherHome.resolve("cassandra.pid")));
  }

  private static CassandraLauncher launcher(RealCassandra.Instance cassandra) {
    assumeTrue(cassandra.launcher().isPresent(), "the tests use an external Cassandra");
    return cassandra.launcher().get();
  }

  private record Cli(int exit, String out) {}

  private static Cli cli(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    int exit = CassandraLauncher.run(args, print, print);
    return new Cli(exit, out.toString(StandardCharsets.UTF_8));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
