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
import java.util.concurrent.atomic.AtomicReference;
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
  /** The secret reference.conf ships with, for development only. */
  static final String DEVELOPMENT_SECRET = "turnout-development-secret";

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

      ModelVersionReplica.init(system, registry, replicaSettings(config.getConfig("serving")));
      RolloutCoordinator.init(system, new RolloutCoordinator.Settings(config.getDuration("rollout.evaluation-interval")));

      AtomicReference<ServingView> view = new AtomicReference<>(ServingView.EMPTY);
      ActorRef<ReplicaDirectory.Command> directory = context.spawn(ReplicaDirectory.create(view), "replica-directory");
      context.spawn(ReplicaKeeper.create(registry, directory, view::get,
          config.getDuration("serving.keep-alive-interval")), "replica-keeper");

      EdgeSettings edge = EdgeSettings.fromConfig(config.getConfig("serving.http"));
      WindowRecorder windows = new WindowRecorder();
      context.spawn(WindowReporter.create(windows, view::get, config.getDuration("rollout.report-interval")),
          "window-reporter");
      RewardFeedback feedback = rewardFeedback(config, windows, context.getLog());
      Route route = ServingServer.route(system, view::get, readiness(system, view), edge, windows, feedback);
      ServingServer.start(system, route, edge);
      AdminServer.start(system, AdminSettings.fromConfig(config.getConfig("admin"), config.getInt("registry.default-replicas")),
          view::get, registered.registrar());
      return Behaviors.empty();
    });
  }

  static RewardFeedback rewardFeedback(Config turnout, WindowRecorder windows, org.slf4j.Logger log) {
    String secret = turnout.getString("cluster.secret");
    if (secret.equals(DEVELOPMENT_SECRET)) {
      log.warn("turnout.cluster.secret is the development default: anyone can forge request ids for reward "
          + "feedback; set TURNOUT_CLUSTER_SECRET to a long random value shared by every node");
    }
    return new RewardFeedback(secret, FeedbackSettings.fromConfig(turnout.getConfig("feedback")), windows);
  }

  /** Ready once this node is an Up cluster member, has read the registry, and some version answers (or none is registered). */
  static BooleanSupplier readiness(ActorSystem<?> system, AtomicReference<ServingView> view) {
    Cluster cluster = Cluster.get(system);
    // EMPTY is the view before the first registry read: no models yet does not mean none registered.
    return () -> cluster.selfMember().status() == MemberStatus.up() && view.get() != ServingView.EMPTY
        && (view.get().models().isEmpty() || view.get().anyReady());
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
