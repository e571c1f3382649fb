package io.turnout.node;

import com.typesafe.config.Config;
import io.turnout.node.directory.ReplicaDirectory;
import io.turnout.node.directory.ReplicaKeeper;
import io.turnout.node.directory.ServingView;
import io.turnout.node.http.EdgeSettings;
import io.turnout.node.http.ServingServer;
import io.turnout.node.replica.BatchingSettings;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.tensorflow.TensorFlowSettings;
import io.turnout.persistence.registry.ModelFolderRegistry;
import io.turnout.persistence.registry.ModelRegistry;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.http.javadsl.server.Route;

/** Wires one node: the replica entity type, the directory and keeper, and the prediction port. */
public final class NodeGuardian {
  private NodeGuardian() {}

  public static Behavior<Void> create() {
    return Behaviors.setup(context -> {
      ActorSystem<?> system = context.getSystem();
      Config config = system.settings().config().getConfig("turnout");
      ModelRegistry registry = folderRegistry(config.getConfig("registry"));

      ModelVersionReplica.init(system, registry, replicaSettings(config.getConfig("serving")));

      AtomicReference<ServingView> view = new AtomicReference<>(ServingView.EMPTY);
      ActorRef<ReplicaDirectory.Command> directory = context.spawn(ReplicaDirectory.create(view), "replica-directory");
      context.spawn(ReplicaKeeper.create(registry, directory,
          config.getDuration("serving.keep-alive-interval")), "replica-keeper");

      EdgeSettings edge = EdgeSettings.fromConfig(config.getConfig("serving.http"));
      Route route = ServingServer.route(system, view::get, readiness(system, view), edge);
      ServingServer.start(system, route, edge);
      return Behaviors.empty();
    });
  }

  /** Ready once this node is an Up cluster member and some version answers (or none is registered). */
  static BooleanSupplier readiness(ActorSystem<?> system, AtomicReference<ServingView> view) {
    Cluster cluster = Cluster.get(system);
    return () -> cluster.selfMember().status() == MemberStatus.up()
        && (view.get().models().isEmpty() || view.get().anyReady());
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
        "turnout.serving.loading-dispatcher");
  }
}
