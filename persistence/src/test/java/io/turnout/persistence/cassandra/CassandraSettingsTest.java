package io.turnout.persistence.cassandra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

class CassandraSettingsTest {

  private static Config withReference(String text) {
    return ConfigFactory.parseString(text).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void theDefaultsPointAtTheLocalServerInTheLocalProfile() {
    CassandraSettings settings = CassandraSettings.fromConfig(ConfigFactory.defaultReference());
    assertEquals(new CassandraSettings(List.of("127.0.0.1:9042"), "datacenter1", "turnout_journal", "turnout_snapshot",
        "turnout", 1, true), settings);
  }

  @Test
  void contactPointsComeAsAListOrAsOneCommaSeparatedString() {
    assertEquals(List.of("a:9042", "b:9043"),
        CassandraSettings.fromConfig(withReference("turnout.cassandra.contact-points = [\"a:9042\", \"b:9043\"]")).contactPoints());
    // What TURNOUT_CASSANDRA_CONTACT_POINTS=a:9042,b:9043 gives.
    assertEquals(List.of("a:9042", "b:9043"),
        CassandraSettings.fromConfig(withReference("turnout.cassandra.contact-points = \" a:9042, b:9043 \"")).contactPoints());
    assertThrows(ConfigException.BadValue.class,
        () -> CassandraSettings.fromConfig(withReference("turnout.cassandra.contact-points = \"a\"")));
  }

  @Test
  void productionSwitchesOffTheLocalProfile() {
    assertFalse(CassandraSettings.fromConfig(withReference("turnout.cassandra.local-profile = \"false\"")).localProfile());
  }

  @Test
  void theDriverGetsTheContactPointsAndDatacenter() {
    CassandraSettings settings = CassandraSettings.fromConfig(withReference("""
        turnout.cassandra { contact-points = "10.0.0.1:9042,10.0.0.2:9042", datacenter = "eu-west" }
        """));
    Config driver = settings.driverConfig(ConfigFactory.parseString("basic.request.timeout = 2s"));
    assertEquals(List.of("10.0.0.1:9042", "10.0.0.2:9042"), driver.getStringList("basic.contact-points"));
    assertEquals("eu-west", driver.getString("basic.load-balancing-policy.local-datacenter"));
    assertEquals("2s", driver.getString("basic.request.timeout"));
  }

  @Test
  void anApplicationConfIncludesItByName() {
    Config config = ConfigFactory.load("node-like");
    assertEquals("pekko.persistence.cassandra.journal", config.getString("pekko.persistence.journal.plugin"));
    assertEquals(List.of("127.0.0.1:9042"), config.getStringList("datastax-java-driver.basic.contact-points"));
  }

  @Test
  void persistenceConfWiresTheJournalAndSnapshotStoreToTheSettings() {
    Config config = ConfigFactory.parseString("""
            turnout.cassandra { journal-keyspace = "j", snapshot-keyspace = "s", local-profile = false, replication-factor = 3 }
            """)
        .withFallback(ConfigFactory.parseResources("persistence.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    assertEquals("pekko.persistence.cassandra.journal", config.getString("pekko.persistence.journal.plugin"));
    assertEquals("pekko.persistence.cassandra.snapshot", config.getString("pekko.persistence.snapshot-store.plugin"));
    assertEquals("j", config.getString("pekko.persistence.cassandra.journal.keyspace"));
    assertEquals("s", config.getString("pekko.persistence.cassandra.snapshot.keyspace"));
    for (String store : List.of("journal", "snapshot")) {
      assertFalse(config.getBoolean("pekko.persistence.cassandra." + store + ".keyspace-autocreate"));
      assertFalse(config.getBoolean("pekko.persistence.cassandra." + store + ".tables-autocreate"));
      assertEquals(3, config.getInt("pekko.persistence.cassandra." + store + ".replication-factor"));
    }
    assertFalse(config.getBoolean("pekko.persistence.cassandra.events-by-tag.enabled"));
    assertEquals(TurnoutSessionProvider.class.getName(), config.getString("pekko.persistence.cassandra.session-provider"));
    assertEquals("datacenter1", config.getString("datastax-java-driver.basic.load-balancing-policy.local-datacenter"));
  }
}
