package io.turnout.persistence.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CqlScriptTest {

  @Test
  void splitsStatementsAndSkipsComments() {
    CqlScript script = CqlScript.parse("t.cql", """
        -- a comment; with a semicolon
        CREATE KEYSPACE IF NOT EXISTS turnout
          WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3};

        // another comment
        CREATE TABLE IF NOT EXISTS turnout.model_versions (
          model text PRIMARY KEY);
        """);
    assertEquals(List.of(
        "CREATE KEYSPACE IF NOT EXISTS turnout\n  WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}",
        "CREATE TABLE IF NOT EXISTS turnout.model_versions (\n  model text PRIMARY KEY)"), script.statements());
  }

  @Test
  void renamesTheKeyspaceAsAWholeWordOnly() {
    CqlScript script = CqlScript.parse("t.cql", """
        CREATE KEYSPACE turnout WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1};
        CREATE TABLE turnout.t (turnout_id text PRIMARY KEY);
        CREATE TABLE turnout_journal.messages (id text PRIMARY KEY);
        """).withKeyspace("turnout", "registry_test");
    assertEquals(List.of(
        "CREATE KEYSPACE registry_test WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
        "CREATE TABLE registry_test.t (turnout_id text PRIMARY KEY)",
        "CREATE TABLE turnout_journal.messages (id text PRIMARY KEY)"), script.statements());
    assertThrows(IllegalArgumentException.class, () -> script.withKeyspace("turnout", "no-dashes"));
  }

  @Test
  void replacesTheReplicationOfEveryKeyspace() {
    CqlScript script = CqlScript.load("cql/registry.cql").withReplication(CqlScript.simpleStrategy(2));
    assertEquals("CREATE KEYSPACE IF NOT EXISTS turnout\n  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2}",
        script.statements().get(0));
  }

  @Test
  void theProductionScriptsUseNetworkTopologyWithThreeReplicas() {
    for (String name : List.of("cql/journal.cql", "cql/snapshot.cql", "cql/registry.cql")) {
      String keyspace = CqlScript.load(name).statements().get(0);
      assertTrue(keyspace.contains("{'class': 'NetworkTopologyStrategy', 'datacenter1': 3}"), name + ": " + keyspace);
    }
  }

  @Test
  void aStatementWithoutItsSemicolonIsAnError() {
    assertThrows(IllegalArgumentException.class, () -> CqlScript.parse("t.cql", "SELECT * FROM x"));
  }
}
