package io.turnout.node;

import com.typesafe.config.Config;
import io.turnout.node.admin.AdminServer;
import io.turnout.node.admin.AdminSettings;
import io.turnout.node.admin.VersionRegistrar;
import io.turnout.node.directory.ReplicaDirectory;
import io.turnout.node.directory.ReplicaKeeper;
import io.turnout.node.directory.ServingView;
import io.turnout.node.feedback.FeedbackSettings;
import io.turnout.node.feedback.RewardFeedback;
import io.turnout.node.http.EdgeSettings;
import io.turnout.node.http.ServingServer;
import io.turnout.node.replica.BatchingSettings;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.stats.WindowRecorder;
import io.turnout.node.stats.WindowReporter;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.node.tensorflow.TensorFlowSettings;
import io.turnout.persistence.registry.ModelFolderRegistry;
import io.turnout.persistence.registry.CassandraModelRegistry;
import io.turnout.persistence.registry.ModelRegistry;
import java.util.concurrent.CompletionStage;
import io.turnout.persistence.registry.VersionConflictException;
import io.turnout.persistence.registry.SeededRegistry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import io.turnout.node.directory.PublishedView;
import io.turnout.node.lifecycle.DrainSettings;
import io.turnout.node.lifecycle.NodeDrain;
import io.turnout.node.lifecycle.Senders;
import io.turnout.node.management.ManagementServer;
import io.turnout.node.placement.ReplicaAllocationStrategy;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.server.Route;

/** Wires one node: the replica entity type, the directory and keeper, the prediction port and the admin port. */
public final class NodeGuardian {
  private NodeGuardian() {}

  public static Behavior<Void> create() {
    return create(NodeGuardian::configuredRegistries);
  }

  /** A node whose model registry {@code registries} makes (tests give it one in memory). */
  public static Behavior<Void> create(Function<ActorSystem<?>, NodeRegistries> registries) {
    return Behaviors.setup(context -> {
      ActorSystem<?> system = context.getSystem();
      Config config = system.settings().config().getConfig("turnout");
      NodeRegistries registered = registries.apply(system);
      ModelRegistry registry = registered.versions();

      ModelVersionReplica.init(system, registry, replicaSettings(config.getConfig("serving")),
          new ReplicaAllocationStrategy(config.getInt("serving.placement.max-moves-in-progress")));
      RolloutCoordinator.init(system, new RolloutCoordinator.Settings(config.getDuration("rollout.evaluation-interval"),
          config.getDuration("rollout.window-settle")));

      PublishedView view = new PublishedView();
      NodeDrain drain = NodeDrain.install(system, DrainSettings.fromConfig(config.getConfig("shutdown")), view);
      ActorRef<ReplicaDirectory.Command> directory = context.spawn(ReplicaDirectory.create(view), "replica-directory");

      EdgeSettings edge = EdgeSettings.fromConfig(config.getConfig("serving.http"));
      WindowRecorder windows = new WindowRecorder();
      drain.stopBeforeHandOff(context.spawn(Senders.create(senders -> {
        senders.spawn(ReplicaKeeper.create(registry, directory, view, config.getDuration("serving.keep-alive-interval")),
            "replica-keeper");
        senders.spawn(WindowReporter.create(windows, view, config.getDuration("rollout.report-interval")),
            "window-reporter");
      }), "senders"));
      BooleanSupplier ready = readiness(system, view, drain);
      RewardFeedback feedback = new RewardFeedback(config.getString("cluster.secret"),
          FeedbackSettings.fromConfig(config.getConfig("feedback")), windows);
      Route route = ServingServer.route(system, view, ready, edge, windows, feedback);
      ServingServer.start(system, route, edge, drain.settings().requestsDeadline());
      AdminServer.start(system, AdminSettings.fromConfig(config.getConfig("admin"), config.getInt("registry.default-replicas")),
          view, registered.registrar(), drain);
      ManagementServer.start(system, config.getString("management.http.interface"),
          config.getInt("management.http.port"), ready);
      return Behaviors.empty();
    });
  }

  /**
   * Ready once this node is an Up cluster member, has read the registry, and some version answers
   * (or none is registered); never again once it drains.
   */
  static BooleanSupplier readiness(ActorSystem<?> system, Supplier<ServingView> view, NodeDrain drain) {
    Cluster cluster = Cluster.get(system);
    // EMPTY is the view before the first registry read: no models yet does not mean none registered.
    return () -> !drain.draining() && cluster.selfMember().status() == MemberStatus.up()
        && view.get() != ServingView.EMPTY && (view.get().models().isEmpty() || view.get().anyReady());
  }

  /** The registries {@code turnout.registry.source} names: Cassandra seeded from the folder, or the folder alone. */
  static NodeRegistries configuredRegistries(ActorSystem<?> system) {
    Config registry = system.settings().config().getConfig("turnout.registry");
    return switch (registry.getString("source")) {
      case "folder" -> folderRegistries(system);
      case "cassandra" -> cassandraRegistries(system, folderRegistry(registry));
      default -> throw new IllegalArgumentException("turnout.registry.source must be cassandra or folder, not "
          + registry.getString("source"));
    };
  }

  /** Versions from Cassandra, seeded from the model folder on every read; the admin API registers there too. */
  static NodeRegistries cassandraRegistries(ActorSystem<?> system, ModelFolderRegistry folder) {
    CompletionStage<CassandraModelRegistry> cassandra = CassandraModelRegistry.forSystem(system);
    VersionRegistrar registrar = version -> cassandra.thenCompose(registry -> registry.find(version.id())
        .thenCompose(existing -> registry.register(version)
            .thenApply(record -> new VersionRegistrar.Registration(record.version(), existing.isEmpty()))))
        .exceptionally(error -> {
          Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
              ? error.getCause() : error;
          if (cause instanceof VersionConflictException conflict) throw new VersionRegistrar.Conflict(conflict.getMessage());
          throw error instanceof RuntimeException runtime ? runtime : new java.util.concurrent.CompletionException(error);
        });
    return new NodeRegistries(new SeededRegistry(cassandra, folder), registrar);
  }

  /** The default registry: versions from the model folder, which the admin API cannot write. */
  static NodeRegistries folderRegistries(ActorSystem<?> system) {
    ModelFolderRegistry folder = folderRegistry(system.settings().config().getConfig("turnout.registry"));
    return new NodeRegistries(folder, VersionRegistrar.readOnly("this node reads its versions from the model folder "
        + folder.root() + ", which the admin API cannot write; add the version's folder there instead"));
  }

  static ModelFolderRegistry folderRegistry(Config registry) {
    Map<String, Integer> perModel = new HashMap<>();
    Config replicas = registry.getConfig("replicas-per-model");
    replicas.root().keySet().forEach(model -> perModel.put(model, replicas.getInt(model)));
    return new ModelFolderRegistry(Path.of(registry.getString("model-root")), registry.getInt("default-replicas"), perModel);
  }

  static ModelVersionReplica.Settings replicaSettings(Config serving) {
    return new ModelVersionReplica.Settings(
        BatchingSettings.fromConfig(serving.getConfig("batching")),
        TensorFlowSettings.fromConfig(serving.getConfig("tensorflow")),
        "turnout.serving.tensorflow-dispatcher",
        "turnout.serving.loading-dispatcher",
        serving.getDuration("replica-stop-grace"));
  }
}
