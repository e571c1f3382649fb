package io.turnout.persistence.cassandra;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.connectors.cassandra.CqlSessionProvider;
import org.apache.pekko.stream.connectors.cassandra.DriverConfigLoaderFromConfig;
import scala.concurrent.ExecutionContext;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * The session provider of the journal and snapshot store ({@code pekko.persistence.cassandra
 * .session-provider}, set in {@code persistence.conf}) and of the model registry
 * ({@code turnout.cassandra.registry-session}): the usual driver settings, with contact points and
 * datacenter taken from {@code turnout.cassandra} through {@link CassandraSettings}, so that
 * {@code TURNOUT_CASSANDRA_CONTACT_POINTS} may list several nodes.
 */
public final class TurnoutSessionProvider implements CqlSessionProvider {
  private final ActorSystem system;
  private final Config pluginConfig;

  /** Called by the plugin by reflection, with the plugin's config section. */
  public TurnoutSessionProvider(ActorSystem system, Config pluginConfig) {
    this.system = system;
    this.pluginConfig = pluginConfig;
  }

  @Override
  public Future<CqlSession> connect(ExecutionContext ec) {
    CassandraSettings settings = CassandraSettings.fromConfig(system.settings().config());
    Config driver = settings.driverConfig(CqlSessionProvider.driverConfig(system, pluginConfig));
    return FutureConverters.asScala(CqlSession.builder()
        .withConfigLoader(new DriverConfigLoaderFromConfig(driver))
        .buildAsync());
  }
}
