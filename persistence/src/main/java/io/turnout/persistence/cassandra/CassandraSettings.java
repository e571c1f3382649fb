package io.turnout.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.stream.connectors.cassandra.DriverConfigLoaderFromConfig;

/**
 * {@code turnout.cassandra}: where Cassandra is and how the node uses it. The one place that turns
 * these settings into driver settings, for the journal's session ({@link TurnoutSessionProvider})
 * and for sessions outside an actor system ({@link #openSession}).
 *
 * @param contactPoints     {@code host:port} of one or more nodes; the driver discovers the others
 * @param datacenter        the datacenter the driver calls local (SimpleSnitch: {@code datacenter1})
 * @param replicationFactor SimpleStrategy replication of keyspaces the local profile creates
 * @param localProfile      create missing keyspaces and tables (local runs and tests); off in
 *                          production, where the schema comes from {@code cql/*.cql}
 */
public record CassandraSettings(
    List<String> contactPoints,
    String datacenter,
    String journalKeyspace,
    String snapshotKeyspace,
    String registryKeyspace,
    int replicationFactor,
    boolean localProfile) {

  public static final String PATH = "turnout.cassandra";

  public CassandraSettings {
    contactPoints = List.copyOf(contactPoints);
    if (contactPoints.isEmpty()) throw new IllegalArgumentException("no Cassandra contact points");
    if (replicationFactor < 1) throw new IllegalArgumentException("replication-factor must be at least 1");
  }

  public static CassandraSettings fromConfig(Config root) {
    Config c = root.getConfig(PATH);
    return new CassandraSettings(contactPoints(c), c.getString("datacenter"), c.getString("journal-keyspace"),
        c.getString("snapshot-keyspace"), c.getString("registry-keyspace"), c.getInt("replication-factor"),
        c.getBoolean("local-profile"));
  }

  /**
   * A list of {@code host:port}, or one string of them separated by commas, which is what
   * {@code TURNOUT_CASSANDRA_CONTACT_POINTS} gives (HOCON cannot split an environment variable).
   */
  private static List<String> contactPoints(Config c) {
    String path = "contact-points";
    List<String> raw = c.getValue(path).valueType() == ConfigValueType.LIST
        ? c.getStringList(path)
        : List.of(c.getString(path));
    List<String> points = new ArrayList<>();
    for (String entry : raw) {
      for (String point : entry.split(",")) {
        String trimmed = point.strip();
        if (trimmed.isEmpty()) continue;
        int colon = trimmed.lastIndexOf(':');
        if (colon <= 0 || !trimmed.substring(colon + 1).matches("\\d{1,5}")) {
          throw new ConfigException.BadValue(c.origin(), PATH + "." + path,
              "expected host:port, got '" + trimmed + "'");
        }
        points.add(trimmed);
      }
    }
    return points;
  }

  /** The driver's settings ({@code datastax-java-driver}) with these contact points and datacenter. */
  public Config driverConfig(Config driverSection) {
    return driverSection
        .withValue("basic.contact-points", ConfigValueFactory.fromIterable(contactPoints))
        .withValue("basic.load-balancing-policy.local-datacenter", ConfigValueFactory.fromAnyRef(datacenter));
  }

  /**
   * A new session from the root config's {@code datastax-java-driver} section and these settings,
   * for use outside an actor system (an actor system shares one through
   * {@code CassandraSessionRegistry}). The caller closes it.
   */
  public CompletionStage<CqlSession> openSession(Config root) {
    return CqlSession.builder()
        .withConfigLoader(new DriverConfigLoaderFromConfig(driverConfig(root.getConfig("datastax-java-driver"))))
        .buildAsync();
  }
}
