package io.turnout.persistence.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.persistence.cassandra.CassandraSettings;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.protocol.ModelVersionId;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The registry in the real Cassandra: each test on models of its own, in keyspace {@code registry_test}. */
@ExtendWith(RealCassandra.class)
class CassandraModelRegistryTest {
  private static final Instant T0 = Instant.parse("2026-11-29T10:00:00.123Z");

  private static CqlSession session;
  private static TestClock clock;
  private static CassandraModelRegistry registry;
  private static CassandraSettings settings;

  @TempDir Path models;

  @BeforeAll
  static void openRegistry(RealCassandra.Instance cassandra) throws Exception {
    Config config = cassandra.config("registry_test");
    settings = CassandraSettings.fromConfig(config);
    session = await(settings.openSession(config));
    clock = new TestClock(T0);
    registry = await(CassandraModelRegistry.create(session, settings, clock));
  }

  @AfterAll
  static void closeSession() {
    if (session != null) session.close();
  }

  private static RegisteredVersion version(String model, long version, String artifact, int replicas) {
    return new RegisteredVersion(new ModelVersionId(model, version), URI.create(artifact), replicas);
  }

  @Test
  void aRegisteredVersionIsFoundWithItsDetailsAndTimes() throws Exception {
    RegisteredVersion iris2 = version("reg-find", 2, "file:///models/iris/2/", 3);
    VersionDetails details = VersionDetails.of("{\"inputs\":{\"features\":[-1,4]}}", "trained fully");

    ModelVersionRecord registered = await(registry.register(iris2, details));

    ModelVersionRecord expected = new ModelVersionRecord(iris2, RegistrationState.REGISTERED, details, clock.now(), clock.now());
    assertEquals(expected, registered);
    assertEquals(Optional.of(expected), await(registry.find(iris2.id())));
    assertEquals(List.of(iris2), await(registry.versions("reg-find")));
    assertTrue(await(registry.versions()).contains(iris2));
    assertEquals(Optional.empty(), await(registry.find(new ModelVersionId("reg-find", 3))));
  }

  @Test
  void registeringAgainIsIdempotentAndMayChangeReplicasAndDetails() throws Exception {
    RegisteredVersion v1 = version("reg-again", 1, "file:///models/a/1/", 1);
    ModelVersionRecord first = await(registry.register(v1, VersionDetails.of(null, "first")));

    clock.advance(Duration.ofMinutes(1));
    assertEquals(first, await(registry.register(v1)), "the same registration changes nothing, not even updated_at");

    clock.advance(Duration.ofMinutes(1));
    RegisteredVersion moreReplicas = version("reg-again", 1, "file:/models/a/1", 4); // the same folder, written otherwise
    ModelVersionRecord updated = await(registry.register(moreReplicas, VersionDetails.of("{}", null)));
    assertEquals(4, updated.version().replicas());
    assertEquals(URI.create("file:///models/a/1/"), updated.version().artifact(), "the artifact stays as first written");
    assertEquals(VersionDetails.of("{}", "first"), updated.details(), "an absent detail keeps the stored one");
    assertEquals(first.createdAt(), updated.createdAt());
    assertEquals(clock.now(), updated.updatedAt());
    assertEquals(Optional.of(updated), await(registry.find(v1.id())));
  }

  @Test
  void aSecondArtifactForTheSameVersionIsRefusedAndChangesNothing() throws Exception {
    RegisteredVersion original = version("reg-conflict", 1, "file:///models/c/1/", 1);
    ModelVersionRecord stored = await(registry.register(original));

    clock.advance(Duration.ofMinutes(1));
    VersionConflictException conflict = failure(VersionConflictException.class,
        registry.register(version("reg-conflict", 1, "file:///elsewhere/c/1/", 2)));

    assertEquals(stored, conflict.existing());
    assertTrue(conflict.getMessage().startsWith("reg-conflict@1 is registered with artifact file:///models/c/1/"),
        conflict.getMessage());
    assertEquals(Optional.of(stored), await(registry.find(original.id())));
  }

  @Test
  void aRetiredVersionIsKeptButNotServedUntilRegisteredAgain() throws Exception {
    RegisteredVersion v1 = version("reg-retire", 1, "file:///models/r/1/", 1);
    RegisteredVersion v2 = version("reg-retire", 2, "file:///models/r/2/", 1);
    await(registry.register(v1));
    await(registry.register(v2));

    clock.advance(Duration.ofMinutes(1));
    ModelVersionRecord retired = await(registry.retire(v1.id()));
    assertEquals(RegistrationState.RETIRED, retired.state());
    assertEquals(clock.now(), retired.updatedAt());
    assertEquals(List.of(v2), await(registry.versions("reg-retire")));
    assertEquals(List.of(RegistrationState.RETIRED, RegistrationState.REGISTERED),
        await(registry.records("reg-retire")).stream().map(ModelVersionRecord::state).toList());

    clock.advance(Duration.ofMinutes(1));
    assertEquals(retired, await(registry.retire(v1.id())), "retiring twice changes nothing");
    failure(UnknownVersionException.class, registry.retire(new ModelVersionId("reg-retire", 9)));

    ModelVersionRecord back = await(registry.register(v1));
    assertEquals(RegistrationState.REGISTERED, back.state());
    assertEquals(List.of(v1, v2), await(registry.versions("reg-retire")));
  }

  @Test
  void versionsAreOrderedByNumberNotByText() throws Exception {
    for (long v : new long[] {10, 2, 1}) await(registry.register(version("reg-order", v, "file:///m/o/" + v, 1)));
    assertEquals(List.of(1L, 2L, 10L),
        await(registry.versions("reg-order")).stream().map(r -> r.id().version()).toList());
  }

  @Test
  void theFolderScanSeedsWhatIsMissingAndReportsConflicts() throws Exception {
    Files.createDirectories(models.resolve("seed-a/1"));
    Files.createDirectories(models.resolve("seed-a/2"));
    Files.createDirectories(models.resolve("seed-b/1"));
    ModelFolderRegistry folders = new ModelFolderRegistry(models, 2, Map.of());
    // Already known: seed-a@2 from the same folder (retired since), seed-b@1 from another place.
    await(registry.register(new RegisteredVersion(new ModelVersionId("seed-a", 2), models.resolve("seed-a/2").toUri(), 5)));
    await(registry.retire(new ModelVersionId("seed-a", 2)));
    await(registry.register(version("seed-b", 1, "file:///somewhere/else/", 1)));

    CassandraModelRegistry.SeedReport report = await(registry.seedFrom(folders));

    assertEquals(List.of(new ModelVersionId("seed-a", 1)), report.added());
    assertEquals(List.of(new ModelVersionId("seed-a", 2)), report.present());
    assertEquals(List.of(new ModelVersionId("seed-b", 1)),
        report.conflicts().stream().map(c -> c.refused().id()).toList());
    ModelVersionRecord kept = await(registry.find(new ModelVersionId("seed-a", 2))).orElseThrow();
    assertEquals(RegistrationState.RETIRED, kept.state(), "seeding does not bring back a retired version");
    assertEquals(5, kept.version().replicas(), "nor change its replicas");
    assertEquals(2, await(registry.find(new ModelVersionId("seed-a", 1))).orElseThrow().version().replicas());

    CassandraModelRegistry.SeedReport again = await(registry.seedFrom(folders));
    assertEquals(List.of(), again.added());
    assertEquals(List.of(new ModelVersionId("seed-a", 1), new ModelVersionId("seed-a", 2)), again.present());
  }

  @Test
  void withoutTheLocalProfileAMissingTableIsNamedWithTheScriptThatCreatesIt(RealCassandra.Instance cassandra) throws Exception {
    Config production = cassandra.config("registry_absent", ConfigFactory.load("application-test"), false);
    CassandraSettings absent = CassandraSettings.fromConfig(production);
    session.execute("CREATE KEYSPACE IF NOT EXISTS registry_absent"
        + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");

    IllegalStateException e = failure(IllegalStateException.class, CassandraModelRegistry.create(session, absent, clock));

    assertTrue(e.getMessage().contains("registry_absent.model_versions"), e.getMessage());
    assertTrue(e.getMessage().contains("cql/registry.cql"), e.getMessage());
  }

  @Test
  void anActorSystemHasARegistryOnItsOwnSession(RealCassandra.Instance cassandra) throws Exception {
    ActorTestKit testKit = ActorTestKit.create("registry-system", cassandra.config("registry_test"));
    try {
      CassandraModelRegistry shared = await(CassandraModelRegistry.forSystem(testKit.system()));
      RegisteredVersion version = version("reg-system", 1, "file:///models/s/1/", 2);
      await(shared.register(version));
      assertEquals(List.of(version), await(registry.versions("reg-system")), "the same table, seen from another session");
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void equivalentFileUrisNameTheSameArtifact() {
    assertTrue(CassandraModelRegistry.sameArtifact(URI.create("file:/m/iris/1"), URI.create("file:///m/iris/1/")));
    assertTrue(CassandraModelRegistry.sameArtifact(URI.create("file:///m/iris/./1"), URI.create("file:///m/iris/1")));
    assertTrue(!CassandraModelRegistry.sameArtifact(URI.create("file:///m/iris/1"), URI.create("file:///m/iris/2")));
  }

  // --- helpers ---------------------------------------------------------------------------------

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within 30 s", e);
    }
  }

  private static <X extends Throwable> X failure(Class<X> expected, CompletionStage<?> stage) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(30, TimeUnit.SECONDS));
    return assertInstanceOf(expected, e.getCause());
  }

  /** A clock the test moves; registry times are milliseconds. */
  static final class TestClock extends Clock {
    private volatile Instant now;

    TestClock(Instant start) {
      this.now = start;
    }

    Instant now() {
      return now;
    }

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
