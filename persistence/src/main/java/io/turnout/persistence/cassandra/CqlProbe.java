package io.turnout.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DriverException;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.config.OptionsMap;
import com.datastax.oss.driver.api.core.config.TypedDriverOption;
import com.datastax.oss.driver.api.core.cql.Row;
import io.turnout.persistence.cassandra.CassandraLauncher.ServerInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks a CQL port who answers, with a short-lived driver session configured only from this class
 * (no {@code application.conf}, no contact points from elsewhere) that infers the datacenter.
 */
final class CqlProbe {

  private CqlProbe() {}

  /** Whether something accepts TCP connections on the port: cheap, and no driver involved. */
  static boolean portOpen(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The node's answer to {@code SELECT release_version … FROM system.local}, if it answers. */
  static Optional<ServerInfo> ask(String host, int port, Duration timeout) {
    OptionsMap options = OptionsMap.driverDefaults();
    options.put(TypedDriverOption.SESSION_NAME, "turnout-cql-probe");
    options.put(TypedDriverOption.LOAD_BALANCING_POLICY_CLASS, "DcInferringLoadBalancingPolicy");
    options.put(TypedDriverOption.CONNECTION_CONNECT_TIMEOUT, timeout);
    options.put(TypedDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, timeout);
    options.put(TypedDriverOption.CONTROL_CONNECTION_TIMEOUT, timeout);
    options.put(TypedDriverOption.REQUEST_TIMEOUT, timeout);
    options.put(TypedDriverOption.CONNECTION_POOL_LOCAL_SIZE, 1);
    options.put(TypedDriverOption.METADATA_SCHEMA_ENABLED, false);
    options.put(TypedDriverOption.METADATA_TOKEN_MAP_ENABLED, false);
    options.put(TypedDriverOption.MONITOR_REPORTING_ENABLED, false);
    options.put(TypedDriverOption.RECONNECT_ON_INIT, false);
    options.put(TypedDriverOption.NETTY_IO_SHUTDOWN_QUIET_PERIOD, 0); // close at once, not after 2 s
    options.put(TypedDriverOption.NETTY_ADMIN_SHUTDOWN_QUIET_PERIOD, 0);
    try (CqlSession session = CqlSession.builder()
        .withConfigLoader(DriverConfigLoader.fromMap(options))
        .addContactPoint(new InetSocketAddress(host, port))
        .build()) {
      Row row = session.execute("SELECT release_version, cluster_name, data_center FROM system.local").one();
      if (row == null) return Optional.empty();
      return Optional.of(new ServerInfo(row.getString(0), row.getString(1), row.getString(2)));
    } catch (DriverException | IllegalStateException e) {
      return Optional.empty();
    }
  }
}
