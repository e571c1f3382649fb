package io.turnout.persistence.registry;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.AsyncResultSet;
import com.datastax.oss.driver.api.core.cql.BoundStatement;
import com.datastax.oss.driver.api.core.cql.BoundStatementBuilder;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import io.turnout.persistence.cassandra.CassandraSettings;
import io.turnout.persistence.cassandra.CqlScript;
import io.turnout.protocol.ModelVersionId;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.javadsl.CassandraSessionRegistry;

/**
 * The model registry in Cassandra: table {@code model_versions} of the registry keyspace
 * ({@code turnout.cassandra.registry-keyspace}, schema in {@code cql/registry.cql}), one partition
 * per model. Every call is asynchronous (the driver's own threads complete the stages: do not
 * block in callbacks). Registration uses lightweight transactions, so concurrent registrations of
 * one version from several nodes agree on a single artifact.
 *
 * <p>{@link #versions()} lists what to serve (state {@link RegistrationState#REGISTERED});
 * {@link #find} and {@link #records} also show retired versions.
 */
public final class CassandraModelRegistry implements ModelRegistry {
  public static final String TABLE = "model_versions";
  private static final String SCHEMA = "cql/registry.cql";
  /** The keyspace name in {@value #SCHEMA}. */
  private static final String SCHEMA_KEYSPACE = "turnout";
  /** Schema changes wait for every node to agree; far longer than a read. */
  private static final Duration DDL_TIMEOUT = Duration.ofSeconds(30);
  private static final String COLUMNS =
      "model, version, artifact, replicas, state, signature, description, created_at, updated_at";

  private final CqlSession session;
  private final String keyspace;
  private final Clock clock;
  private final PreparedStatement insertIfAbsent;
  private final PreparedStatement updateIfSameArtifact;
  private final PreparedStatement retireIfRegistered;
  private final PreparedStatement selectAll;
  private final PreparedStatement selectModel;
  private final PreparedStatement selectOne;

  private CassandraModelRegistry(CqlSession session, String keyspace, Clock clock, List<PreparedStatement> prepared) {
    this.session = session;
    this.keyspace = keyspace;
    this.clock = clock;
    this.insertIfAbsent = prepared.get(0);
    this.updateIfSameArtifact = prepared.get(1);
    this.retireIfRegistered = prepared.get(2);
    this.selectAll = prepared.get(3);
    this.selectModel = prepared.get(4);
    this.selectOne = prepared.get(5);
  }

  /**
   * The registry of the actor system, configured by {@code turnout.cassandra}, on a session of its
   * own ({@code turnout.cassandra.registry-session}) that {@code CassandraSessionRegistry} keeps
   * for the system and closes with it. Not the journal's session: whoever opens that one first
   * decides whether the journal's tables are created, and it must be the journal.
   */
  public static CompletionStage<CassandraModelRegistry> forSystem(ActorSystem<?> system) {
    CassandraSettings settings = CassandraSettings.fromConfig(system.settings().config());
    return CassandraSessionRegistry.get(system)
        .sessionFor(CassandraSettings.PATH + ".registry-session")
        .underlying()
        .thenCompose(session -> create(session, settings, Clock.systemUTC()));
  }

  /**
   * A registry on a session the caller owns (and closes). In the local profile it first creates the
   * keyspace and table from {@code cql/registry.cql} (SimpleStrategy, the configured replication);
   * in production it expects them, and fails saying so when they are missing.
   */
  public static CompletionStage<CassandraModelRegistry> create(CqlSession session, CassandraSettings settings, Clock clock) {
    String keyspace = settings.registryKeyspace();
    CompletionStage<Void> schema = settings.localProfile()
        ? createSchema(session, keyspace, settings.replicationFactor())
        : CompletableFuture.completedFuture(null);
    String table = keyspace + "." + TABLE;
    List<String> cql = List.of(
        "INSERT INTO " + table + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS",
        "UPDATE " + table + " SET replicas = ?, state = ?, signature = ?, description = ?, updated_at = ?"
            + " WHERE model = ? AND version = ? IF artifact = ?",
        "UPDATE " + table + " SET state = ?, updated_at = ? WHERE model = ? AND version = ? IF state = ?",
        "SELECT " + COLUMNS + " FROM " + table,
        "SELECT " + COLUMNS + " FROM " + table + " WHERE model = ?",
        "SELECT " + COLUMNS + " FROM " + table + " WHERE model = ? AND version = ?");
    return schema
        .thenCompose(done -> prepareAll(session, cql))
        .handle((prepared, failure) -> {
          if (failure == null) return new CassandraModelRegistry(session, keyspace, clock, prepared);
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (cause instanceof InvalidQueryException && !settings.localProfile()) {
            throw new IllegalStateException("the model registry table " + table + " is not usable (" + cause.getMessage()
                + "): apply persistence/src/main/resources/" + SCHEMA + " to the ring, or set"
                + " turnout.cassandra.local-profile = true to let the node create it", cause);
          }
          throw new CompletionException(cause);
        });
  }

  /** Runs {@code cql/registry.cql} for this keyspace with SimpleStrategy replication. */
  private static CompletionStage<Void> createSchema(CqlSession session, String keyspace, int replicationFactor) {
    CqlScript script = CqlScript.load(SCHEMA)
        .withKeyspace(SCHEMA_KEYSPACE, keyspace)
        .withReplication(CqlScript.simpleStrategy(replicationFactor));
    CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
    for (String statement : script.statements()) {
      chain = chain.thenCompose(done -> session.executeAsync(SimpleStatement.newInstance(statement).setTimeout(DDL_TIMEOUT))
          .thenApply(rs -> null));
    }
    return chain;
  }

  private static CompletionStage<List<PreparedStatement>> prepareAll(CqlSession session, List<String> cql) {
    CompletionStage<List<PreparedStatement>> chain = CompletableFuture.completedFuture(new ArrayList<>());
    for (String statement : cql) {
      chain = chain.thenCompose(list -> session.prepareAsync(SimpleStatement.newInstance(statement)
              .setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM)
              .setSerialConsistencyLevel(ConsistencyLevel.LOCAL_SERIAL))
          .thenApply(p -> {
            list.add(p);
            return list;
          }));
    }
    return chain;
  }

  public String keyspace() {
    return keyspace;
  }

  // --- writes ----------------------------------------------------------------------------------

  /** {@link #register(RegisteredVersion, VersionDetails)} without details. */
  public CompletionStage<ModelVersionRecord> register(RegisteredVersion version) {
    return register(version, VersionDetails.NONE);
  }

  /**
   * Registers a version, idempotently. A new version is stored as REGISTERED. A version stored with
   * the same artifact gets the given replicas and details (absent details stay as they were) and
   * becomes REGISTERED again if it was retired; nothing is written when nothing changes. A version
   * stored with another artifact fails the stage with {@link VersionConflictException} and changes
   * nothing.
   */
  public CompletionStage<ModelVersionRecord> register(RegisteredVersion version, VersionDetails details) {
    Instant now = now();
    return session.executeAsync(bindInsert(version, details, now)).thenCompose(inserted -> {
      if (inserted.wasApplied()) {
        return CompletableFuture.completedFuture(
            new ModelVersionRecord(version, RegistrationState.REGISTERED, details, now, now));
      }
      ModelVersionRecord existing = toRecord(inserted.one());
      if (!sameArtifact(existing.version().artifact(), version.artifact())) {
        return CompletableFuture.failedFuture(new VersionConflictException(existing, version));
      }
      RegisteredVersion updated = new RegisteredVersion(version.id(), existing.version().artifact(), version.replicas());
      VersionDetails merged = details.over(existing.details());
      if (existing.version().equals(updated) && existing.details().equals(merged) && existing.served()) {
        return CompletableFuture.completedFuture(existing);
      }
      BoundStatementBuilder update = updateIfSameArtifact.boundStatementBuilder()
          .setInt("replicas", version.replicas())
          .setString("state", RegistrationState.REGISTERED.name())
          .setInstant("updated_at", now)
          .setString("model", version.id().model())
          .setLong("version", version.id().version())
          .setString("artifact", existing.version().artifact().toString());
      details.signatureJson().ifPresent(s -> update.setString("signature", s));
      details.description().ifPresent(d -> update.setString("description", d));
      return session.executeAsync(update.build()).thenCompose(result -> result.wasApplied()
          ? CompletableFuture.completedFuture(
              new ModelVersionRecord(updated, RegistrationState.REGISTERED, merged, existing.createdAt(), now))
          : refuse(version)); // the artifact cannot change once written, so this takes a concurrent oddity
    });
  }

  /** Fails with the conflict as it is stored now (the result of a failed condition holds only its columns). */
  private CompletionStage<ModelVersionRecord> refuse(RegisteredVersion version) {
    return find(version.id()).thenCompose(found -> CompletableFuture.<ModelVersionRecord>failedFuture(found
        .<RuntimeException>map(stored -> new VersionConflictException(stored, version))
        .orElseGet(() -> new UnknownVersionException(version.id()))));
  }

  /**
   * Retires a version: it stays in the registry, no longer served. Retiring a retired version
   * changes nothing; an unknown version fails the stage with {@link UnknownVersionException}.
   */
  public CompletionStage<ModelVersionRecord> retire(ModelVersionId id) {
    Instant now = now();
    return session.executeAsync(retireIfRegistered.bind(
            RegistrationState.RETIRED.name(), now, id.model(), id.version(), RegistrationState.REGISTERED.name()))
        .thenCompose(result -> find(id).thenCompose(found -> found
            .<CompletionStage<ModelVersionRecord>>map(CompletableFuture::completedFuture)
            .orElseGet(() -> CompletableFuture.failedFuture(new UnknownVersionException(id)))));
  }

  /**
   * Registers every version of {@code source} (e.g. the folder scan) that the registry does not
   * hold yet. Versions already held keep their state, replicas and details; one held with another
   * artifact is reported as a conflict, not thrown.
   */
  public CompletionStage<SeedReport> seedFrom(ModelRegistry source) {
    return source.versions().thenCompose(versions -> {
      CompletionStage<SeedReport> chain = CompletableFuture.completedFuture(SeedReport.EMPTY);
      for (RegisteredVersion version : versions) {
        chain = chain.thenCompose(report -> session.executeAsync(bindInsert(version, VersionDetails.NONE, now()))
            .thenApply(result -> {
              if (result.wasApplied()) return report.withAdded(version.id());
              ModelVersionRecord existing = toRecord(result.one());
              return sameArtifact(existing.version().artifact(), version.artifact())
                  ? report.withPresent(version.id())
                  : report.withConflict(new VersionConflictException(existing, version));
            }));
      }
      return chain;
    });
  }

  /** What {@link #seedFrom} did. */
  public record SeedReport(List<ModelVersionId> added, List<ModelVersionId> present, List<VersionConflictException> conflicts) {
    static final SeedReport EMPTY = new SeedReport(List.of(), List.of(), List.of());

    public SeedReport {
      added = List.copyOf(added);
      present = List.copyOf(present);
      conflicts = List.copyOf(conflicts);
    }

    SeedReport withAdded(ModelVersionId id) {
      return new SeedReport(append(added, id), present, conflicts);
    }

    SeedReport withPresent(ModelVersionId id) {
      return new SeedReport(added, append(present, id), conflicts);
    }

    SeedReport withConflict(VersionConflictException conflict) {
      return new SeedReport(added, present, append(conflicts, conflict));
    }

    private static <T> List<T> append(List<T> list, T item) {
      List<T> copy = new ArrayList<>(list);
      copy.add(item);
      return copy;
    }
  }

  // --- reads -----------------------------------------------------------------------------------

  /** Every version to serve (REGISTERED), ordered by model and version. */
  @Override
  public CompletionStage<List<RegisteredVersion>> versions() {
    return rows(selectAll.bind()).thenApply(CassandraModelRegistry::served);
  }

  /** The versions of one model to serve (REGISTERED), in order; one partition read. */
  @Override
  public CompletionStage<List<RegisteredVersion>> versions(String model) {
    return records(model).thenApply(CassandraModelRegistry::served);
  }

  /** Every version of one model, retired ones too, in order. */
  public CompletionStage<List<ModelVersionRecord>> records(String model) {
    return rows(selectModel.bind(model));
  }

  /** Every version of every model, retired ones too, ordered by model and version. */
  public CompletionStage<List<ModelVersionRecord>> records() {
    return rows(selectAll.bind());
  }

  /** One version, in whatever state. */
  public CompletionStage<Optional<ModelVersionRecord>> find(ModelVersionId id) {
    return session.executeAsync(selectOne.bind(id.model(), id.version()))
        .thenApply(result -> Optional.ofNullable(result.one()).map(CassandraModelRegistry::toRecord));
  }

  private static List<RegisteredVersion> served(List<ModelVersionRecord> records) {
    return records.stream().filter(ModelVersionRecord::served).map(ModelVersionRecord::version).toList();
  }

  /** Every page of the result, as records ordered by model and version. */
  private CompletionStage<List<ModelVersionRecord>> rows(BoundStatement statement) {
    return session.executeAsync(statement)
        .thenCompose(first -> collect(first, new ArrayList<>(), CassandraModelRegistry::toRecord))
        .thenApply(records -> records.stream().sorted(Comparator.comparing(ModelVersionRecord::id)).toList());
  }

  private static <T> CompletionStage<List<T>> collect(AsyncResultSet page, List<T> into, Function<Row, T> map) {
    for (Row row : page.currentPage()) into.add(map.apply(row));
    return page.hasMorePages()
        ? page.fetchNextPage().thenCompose(next -> collect(next, into, map))
        : CompletableFuture.completedFuture(into);
  }

  // --- rows ------------------------------------------------------------------------------------

  private BoundStatement bindInsert(
      RegisteredVersion version, VersionDetails details, Instant now) {
    BoundStatementBuilder insert = insertIfAbsent.boundStatementBuilder()
        .setString("model", version.id().model())
        .setLong("version", version.id().version())
        .setString("artifact", version.artifact().toString())
        .setInt("replicas", version.replicas())
        .setString("state", RegistrationState.REGISTERED.name())
        .setInstant("created_at", now)
        .setInstant("updated_at", now);
    details.signatureJson().ifPresent(s -> insert.setString("signature", s));
    details.description().ifPresent(d -> insert.setString("description", d));
    return insert.build();
  }

  private static ModelVersionRecord toRecord(Row row) {
    ModelVersionId id = new ModelVersionId(row.getString("model"), row.getLong("version"));
    RegisteredVersion version = new RegisteredVersion(id, URI.create(row.getString("artifact")), row.getInt("replicas"));
    return new ModelVersionRecord(version, RegistrationState.valueOf(row.getString("state")),
        VersionDetails.of(row.getString("signature"), row.getString("description")),
        row.getInstant("created_at"), row.getInstant("updated_at"));
  }

  /** Cassandra keeps milliseconds; so do the records, so that what is returned equals what is read back. */
  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /**
   * The same artifact, written either way: {@code file:/m/iris/1}, {@code file:///m/iris/1/} and
   * {@code file:/m/iris/./1} are one folder.
   */
  static boolean sameArtifact(URI a, URI b) {
    return canonical(a).equals(canonical(b));
  }

  private static String canonical(URI uri) {
    URI normal = uri.normalize();
    if (!"file".equalsIgnoreCase(normal.getScheme()) || normal.getPath() == null) return normal.toString();
    String path = normal.getPath();
    while (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
    return "file://" + path;
  }
}
