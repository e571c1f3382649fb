package io.turnout.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.persistence.cassandra.CqlScript;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.journal.Tally.Add;
import io.turnout.persistence.journal.Tally.Recovered;
import io.turnout.persistence.journal.Tally.Total;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The CQL in {@code cql/journal.cql} and {@code cql/snapshot.cql} is what production applies by
 * hand: the journal must work on it with nothing created by the node, and it must match, column
 * for column and option for option, the tables the plugin creates in the local profile.
 */
@ExtendWith({RealCassandra.class, LogCapturingExtension.class})
class ProductionSchemaTest {
  private static final Duration WITHIN = Duration.ofSeconds(60);

  @Test
  void theJournalRunsOnTheRepositorysSchemaWhichMatchesThePluginsOwn(RealCassandra.Instance cassandra) {
    // The plugin's own tables, created on first use in the local profile.
    persistAndRecover(cassandra.config("schema_auto"));

    // The repository's CQL, applied as an operator would (one replica here), and the node creating nothing.
    try (CqlSession session = cassandra.openSession()) {
      for (CqlScript script : List.of(
          CqlScript.load("cql/journal.cql").withKeyspace("turnout_journal", "schema_cql_journal"),
          CqlScript.load("cql/snapshot.cql").withKeyspace("turnout_snapshot", "schema_cql_snapshot"))) {
        script.withReplication(CqlScript.simpleStrategy(1)).statements().forEach(session::execute);
      }
    }
    persistAndRecover(cassandra.config("schema_cql", ConfigFactory.load("application-test"), false));

    try (CqlSession session = cassandra.openSession()) {
      for (String kind : List.of("journal", "snapshot")) {
        Map<String, String> plugin = describe(session, "schema_auto_" + kind);
        Map<String, String> repository = describe(session, "schema_cql_" + kind);
        assertFalse(plugin.isEmpty());
        assertEquals(plugin, repository, kind + " tables differ");
      }
    }
  }

  /** Writes four events (one snapshot) with a fresh actor system, then recovers them with another. */
  private static void persistAndRecover(Config config) {
    ActorTestKit writer = ActorTestKit.create("schema-writer", config);
    try {
      TestProbe<Recovered> recoveries = writer.createTestProbe();
      TestProbe<Total> replies = writer.createTestProbe();
      ActorRef<Tally.Command> tally = writer.spawn(Tally.create("tally-schema", recoveries.ref()));
      recoveries.expectMessage(WITHIN, new Recovered(new Total(0, 0), 0));
      for (int i = 1; i <= 4; i++) {
        tally.tell(new Add(10, replies.ref()));
        replies.expectMessage(WITHIN, new Total(10 * i, i));
      }
    } finally {
      writer.shutdownTestKit();
    }
    ActorTestKit reader = ActorTestKit.create("schema-reader", config);
    try {
      TestProbe<Recovered> recoveries = reader.createTestProbe();
      reader.spawn(Tally.create("tally-schema", recoveries.ref()));
      recoveries.expectMessage(WITHIN, new Recovered(new Total(40, 4), 1));
    } finally {
      reader.shutdownTestKit();
    }
  }

  /** Table name → its columns (name, kind, position, type, order) and options, as Cassandra reports them. */
  private static Map<String, String> describe(CqlSession session, String keyspace) {
    Map<String, String> tables = new TreeMap<>();
    for (Row table : session.execute(
        "SELECT table_name, gc_grace_seconds, compaction FROM system_schema.tables WHERE keyspace_name = ?", keyspace)) {
      String name = table.getString("table_name");
      StringBuilder description = new StringBuilder()
          .append("gc_grace_seconds=").append(table.getInt("gc_grace_seconds"))
          .append(" compaction=").append(new TreeMap<>(table.getMap("compaction", String.class, String.class)));
      for (Row column : session.execute("SELECT column_name, kind, position, type, clustering_order"
          + " FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ?", keyspace, name)) {
        description.append("\n  ").append(column.getString("column_name")).append(' ').append(column.getString("kind"))
            .append(' ').append(column.getInt("position")).append(' ').append(column.getString("type"))
            .append(' ').append(column.getString("clustering_order"));
      }
      tables.put(name, description.toString());
    }
    return tables;
  }
}
