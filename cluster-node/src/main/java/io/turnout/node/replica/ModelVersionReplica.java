package io.turnout.node.replica;

import io.turnout.node.metrics.NodeMetrics;
import io.turnout.node.tensorflow.SavedModelRunner;
import io.turnout.node.tensorflow.TensorFlowSettings;
import io.turnout.persistence.registry.ModelRegistry;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ClusterMessage;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.ReplicaId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import io.turnout.protocol.VersionState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import io.micrometer.core.instrument.DistributionSummary;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.ShardCoordinator;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.tensorflow.exceptions.TFInvalidArgumentException;

/**
 * One replica of one model version, a Cluster Sharding entity ({@code iris@2#0}). It loads the
 * SavedModel off the actor's thread, warms it up, lists itself with the Receptionist as ready, and
 * answers predictions by merging concurrent requests into batches that run on the TensorFlow
 * dispatcher. Replies are sent straight from the TensorFlow thread; the actor only keeps the queue.
 */
public final class ModelVersionReplica extends AbstractBehavior<ModelVersionReplica.Command> {

  // ---- protocol ----

  public interface Command extends ClusterMessage {}

  public record Predict(InferenceRequest request, ActorRef<PredictReply> replyTo) implements Command {}

  public record GetStatus(ActorRef<ReplicaStatus> replyTo) implements Command {}

  /** Sent on a period by the keeper, so that a replica sharding moved or lost starts again. */
  public enum KeepAlive implements Command { INSTANCE }

  /** Sharding's stop message: stop taking requests, finish the queued ones, release the model. */
  public enum Stop implements Command { INSTANCE }

  public sealed interface PredictReply extends ClusterMessage permits Predicted, Rejected {}

  public record Predicted(InferenceResult result) implements PredictReply {}

  public record Rejected(Rejection rejection, String message) implements PredictReply {}

  /** Why a replica did not answer: the caller maps these to HTTP statuses and retry decisions. */
  public enum Rejection {
    /** The request does not fit the model; retrying elsewhere will not help. */
    INVALID_INPUT,
    /** The replica's queue is full. */
    OVERLOADED,
    /** The replica is loading, failed to load or is stopping; another replica may answer. */
    UNAVAILABLE,
    /**
     * TensorFlow refused a request that fits the signature (an invalid argument at run time). It is
     * answered as a bad request, as TensorFlow Serving does, but counts against the version in
     * rollouts: a version that breaks on inputs the stable one accepts is a regression.
     */
    REFUSED_BY_MODEL,
    /** TensorFlow failed for a reason that is not the request's. */
    FAILED
  }

  public record ReplicaStatus(
      ReplicaId replica, VersionState state, String reason, Map<String, ModelSignature> signatures,
      long batches, long requests) implements ClusterMessage {}

  private record Loaded(ModelLease model) implements Command, NoSerializationVerificationNeeded {}

  /** @param registryUnavailable the registry could not be read (Cassandra away): worth trying again */
  private record LoadFailed(String reason, boolean registryUnavailable) implements Command, NoSerializationVerificationNeeded {}

  private enum RetryLoad implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** Reading the registry failed; the model itself was not tried. */
  private static final class RegistryUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RegistryUnavailable(Throwable cause) {
      super("cannot read the model registry: " + rootMessage(cause), cause, false, false);
    }
  }

  private static final Duration REGISTRY_RETRY = Duration.ofSeconds(2);

  private record BatchFinished(int requests) implements Command, NoSerializationVerificationNeeded {}

  private enum BatchTimeout implements Command, NoSerializationVerificationNeeded { INSTANCE }

  private enum GraceOver implements Command, NoSerializationVerificationNeeded { INSTANCE }

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "ModelVersionReplica");

  /** Every replica of a version, whatever its state. */
  public static ServiceKey<Command> replicasKey(ModelVersionId version) {
    return ServiceKey.create(Command.class, "replicas:" + version);
  }

  /** Replicas of a version that answer predictions. */
  public static ServiceKey<Command> readyKey(ModelVersionId version) {
    return ServiceKey.create(Command.class, "ready:" + version);
  }

  /** Replicas of a version whose model failed to load. */
  public static ServiceKey<Command> failedKey(ModelVersionId version) {
    return ServiceKey.create(Command.class, "failed:" + version);
  }

  /**
   * @param stopGrace how long a stopping replica, already deregistered, still answers "unavailable"
   *     (which edges retry on another replica) before it stops: the Receptionist's removal reaches
   *     the other nodes' edges asynchronously, and a request sent to a stopped actor would only time out
   */
  public record Settings(BatchingSettings batching, TensorFlowSettings tensorFlow, String tensorFlowDispatcher,
      String loadingDispatcher, Duration stopGrace) {}

  /**
   * Starts the replica entity type on this node. Every replica is a shard of its own (the shard id is
   * the entity id), so {@code allocation} places each replica alone: replicas of one version on
   * different nodes, and a hand-off or rebalance that moves one replica never stops another one
   * (several replicas sharing a hashed shard would all stop together).
   */
  public static void init(ActorSystem<?> system, ModelRegistry registry, Settings settings,
      ShardCoordinator.ShardAllocationStrategy allocation) {
    ClusterSharding.get(system).init(
        Entity.of(ENTITY_KEY, context -> create(ReplicaId.parse(context.getEntityId()), registry, settings))
            .withMessageExtractor(new ShardPerReplica())
            .withAllocationStrategy(allocation)
            .withStopMessage(Stop.INSTANCE));
  }

  /** One shard per replica: the shard id is the entity id. */
  static final class ShardPerReplica extends ShardingMessageExtractor<ShardingEnvelope<Command>, Command> {
    @Override
    public String entityId(ShardingEnvelope<Command> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public Command unwrapMessage(ShardingEnvelope<Command> envelope) {
      return envelope.message();
    }
  }

  public static Behavior<Command> create(ReplicaId id, ModelRegistry registry, Settings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new ModelVersionReplica(context, timers, id, registry, settings)));
  }

  // ---- state (confined to the actor; the queue is mutable because it is the hot path) ----

  private record Pending(InferenceRequest request, ActorRef<PredictReply> replyTo, Object batchKey, long rows,
      long enqueuedNanos) {}

  private final ReplicaId id;
  private final ModelRegistry registry;
  private final Executor loadingExecutor;
  private final Settings settings;
  private final TimerScheduler<Command> timers;
  private final Executor tensorFlowExecutor;
  private final DistributionSummary batchRows;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private VersionState state = VersionState.LOADING;
  private String failure = "";
  private ModelLease model;
  private Map<String, ModelSignature> signatures = Map.of();
  private long queuedRows;
  private int runningBatches;
  private long batches;
  private long requests;

  private ModelVersionReplica(ActorContext<Command> context, TimerScheduler<Command> timers, ReplicaId id,
      ModelRegistry registry, Settings settings) {
    super(context);
    this.id = id;
    this.settings = settings;
    this.timers = timers;
    this.tensorFlowExecutor = context.getSystem().dispatchers()
        .lookup(DispatcherSelector.fromConfig(settings.tensorFlowDispatcher()));
    this.batchRows = NodeMetrics.get(context.getSystem()).batchRows(id.version());
    Executor loading = context.getSystem().dispatchers()
        .lookup(DispatcherSelector.fromConfig(settings.loadingDispatcher()));
    context.getSystem().receptionist().tell(Receptionist.register(replicasKey(id.version()), context.getSelf()));
    this.registry = registry;
    this.loadingExecutor = loading;
    startLoading();
  }

  private void startLoading() {
    getContext().pipeToSelf(load(registry, loadingExecutor), (loaded, error) -> {
      if (error == null) return new Loaded(loaded);
      Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
          ? error.getCause() : error;
      return cause instanceof RegistryUnavailable
          ? new LoadFailed(cause.getMessage(), true)
          : new LoadFailed(rootMessage(error), false);
    });
  }

  private CompletionStage<ModelLease> load(ModelRegistry registry, Executor loadingExecutor) {
    return registry.versions()
        .exceptionally(error -> {
          throw new RegistryUnavailable(error);
        })
        .thenApply(versions -> versions.stream().filter(v -> v.id().equals(id.version())).findFirst()
            .orElseThrow(() -> new IllegalStateException("version " + id.version() + " is not registered")))
        .thenApplyAsync(version -> {
          SavedModelRunner runner = SavedModelRunner.load(Path.of(version.artifact()), settings.tensorFlow());
          try {
            warmUp(runner);
          } catch (RuntimeException e) {
            runner.close();
            throw e;
          }
          return new ModelLease(runner);
        }, loadingExecutor);
  }

  /** One call per batchable signature with a zero row, so the first real request meets a warm session. */
  private static void warmUp(SavedModelRunner runner) {
    for (ModelSignature signature : runner.signatures().values()) {
      Optional<Map<String, Tensor>> row = zeroRow(signature);
      row.ifPresent(inputs -> runner.run(signature.key(), inputs, List.of()));
    }
  }

  private static Optional<Map<String, Tensor>> zeroRow(ModelSignature signature) {
    if (!TensorBatches.batchable(signature)) return Optional.empty();
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    for (Map.Entry<String, TensorSpec> input : signature.inputs().entrySet()) {
      List<Long> dims = input.getValue().dims();
      long[] shape = new long[dims.size()];
      shape[0] = 1;
      for (int i = 1; i < shape.length; i++) {
        if (dims.get(i) < 0) return Optional.empty();
        shape[i] = dims.get(i);
      }
      int count = Math.toIntExact(Tensor.elementCount(shape));
      inputs.put(input.getKey(), Tensor.of(input.getValue().dataType(), shape, Tensor.allocate(input.getValue().dataType(), count)));
    }
    return Optional.of(inputs);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Predict.class, this::onPredict)
        .onMessage(BatchTimeout.class, timeout -> dispatch())
        .onMessage(BatchFinished.class, this::onBatchFinished)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(KeepAlive.class, keepAlive -> this)
        .onMessage(Loaded.class, this::onLoaded)
        .onMessage(LoadFailed.class, this::onLoadFailed)
        .onMessage(RetryLoad.class, retry -> {
          if (state == VersionState.LOADING) startLoading();
          return this;
        })
        .onMessage(Stop.class, stop -> onStop())
        .onMessage(GraceOver.class, over -> Behaviors.stopped())
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    if (state == VersionState.UNLOADING) {
      loaded.model().close();
      return Behaviors.stopped();
    }
    model = loaded.model();
    signatures = model.runner().signatures();
    state = VersionState.AVAILABLE;
    getContext().getSystem().receptionist().tell(Receptionist.register(readyKey(id.version()), getContext().getSelf()));
    getContext().getLog().info("Replica {} is serving (signatures {})", id, signatures.keySet());
    return this;
  }

  private Behavior<Command> onLoadFailed(LoadFailed failed) {
    if (state == VersionState.UNLOADING) return Behaviors.stopped();
    if (failed.registryUnavailable()) {
      // Not the model's fault: stay loading and try again, so the replica serves once Cassandra is back.
      getContext().getLog().warn("Replica {} cannot load yet ({}); trying again in {} ms", id, failed.reason(),
          REGISTRY_RETRY.toMillis());
      timers.startSingleTimer(RetryLoad.INSTANCE, REGISTRY_RETRY);
      return this;
    }
    state = VersionState.FAILED;
    failure = failed.reason();
    getContext().getSystem().receptionist().tell(Receptionist.register(failedKey(id.version()), getContext().getSelf()));
    getContext().getLog().warn("Replica {} failed to load: {}", id, failure);
    return this;
  }

  private Behavior<Command> onPredict(Predict predict) {
    if (state != VersionState.AVAILABLE) {
      String why = switch (state) {
        case LOADING -> "version " + id.version() + " is still loading";
        case FAILED -> "version " + id.version() + " failed to load: " + failure;
        default -> "replica " + id + " is stopping";
      };
      predict.replyTo().tell(new Rejected(Rejection.UNAVAILABLE, why));
      return this;
    }
    if (queue.size() >= settings.batching().maxEnqueued()) {
      predict.replyTo().tell(new Rejected(Rejection.OVERLOADED,
          "replica " + id + " has " + queue.size() + " requests waiting, the limit is " + settings.batching().maxEnqueued()));
      return this;
    }
    Optional<String> problem = RequestCheck.problem(signatures, predict.request());
    if (problem.isPresent()) {
      predict.replyTo().tell(new Rejected(Rejection.INVALID_INPUT, problem.get()));
      return this;
    }
    InferenceRequest request = predict.request();
    ModelSignature signature = signatures.get(request.signatureKey());
    long rows = request.rows();
    queue.add(new Pending(request, predict.replyTo(), TensorBatches.batchKey(signature, request), rows, System.nanoTime()));
    queuedRows += rows;
    return dispatch();
  }

  private Behavior<Command> dispatch() {
    BatchingSettings batching = settings.batching();
    long timeoutNanos = batching.batchTimeout().toNanos();
    while (runningBatches < batching.maxConcurrentBatches() && !queue.isEmpty()) {
      if (timeoutNanos > 0 && queuedRows < batching.maxBatchSize()) {
        long waited = System.nanoTime() - queue.peek().enqueuedNanos();
        if (waited < timeoutNanos) {
          if (!timers.isTimerActive(BatchTimeout.INSTANCE)) {
            timers.startSingleTimer(BatchTimeout.INSTANCE, Duration.ofNanos(timeoutNanos - waited));
          }
          break;
        }
      }
      run(takeBatch());
    }
    return stopWhenDrained();
  }

  /** The oldest request and every later one that can share its call, up to the batch size. */
  private List<Pending> takeBatch() {
    Pending first = queue.poll();
    List<Pending> batch = new ArrayList<>();
    batch.add(first);
    long rows = first.rows();
    Iterator<Pending> waiting = queue.iterator();
    while (waiting.hasNext() && rows < settings.batching().maxBatchSize()) {
      Pending next = waiting.next();
      if (next.batchKey().equals(first.batchKey()) && rows + next.rows() <= settings.batching().maxBatchSize()) {
        batch.add(next);
        rows += next.rows();
        waiting.remove();
      }
    }
    queuedRows -= rows;
    batchRows.record(rows);
    return batch;
  }

  private void run(List<Pending> batch) {
    runningBatches++;
    ModelLease lease = model;
    ActorRef<Command> self = getContext().getSelf();
    ModelVersionId version = id.version();
    tensorFlowExecutor.execute(() -> {
      try {
        if (lease.acquire()) {
          try {
            answer(lease.runner(), version, batch);
          } finally {
            lease.release();
          }
        } else {
          batch.forEach(p -> p.replyTo().tell(new Rejected(Rejection.UNAVAILABLE, "replica is stopping")));
        }
      } finally {
        self.tell(new BatchFinished(batch.size()));
      }
    });
  }

  /** Runs on a TensorFlow thread. A failed merged batch is retried request by request, so a bad one fails alone. */
  private static void answer(SavedModelRunner runner, ModelVersionId version, List<Pending> batch) {
    InferenceRequest first = batch.get(0).request();
    try {
      List<InferenceRequest> requests = new ArrayList<>(batch.size());
      long[] rows = new long[batch.size()];
      for (int i = 0; i < batch.size(); i++) {
        requests.add(batch.get(i).request());
        rows[i] = batch.get(i).rows();
      }
      Map<String, Tensor> outputs = runner.run(first.signatureKey(), TensorBatches.merge(requests), first.outputs());
      List<Map<String, Tensor>> slices = TensorBatches.split(outputs, rows);
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).replyTo().tell(new Predicted(new InferenceResult(version, slices.get(i))));
      }
    } catch (RuntimeException e) {
      if (batch.size() > 1) {
        for (Pending pending : batch) answer(runner, version, List.of(pending));
      } else {
        Rejection rejection = e instanceof TFInvalidArgumentException ? Rejection.REFUSED_BY_MODEL : Rejection.FAILED;
        batch.get(0).replyTo().tell(new Rejected(rejection, rootMessage(e)));
      }
    }
  }

  private Behavior<Command> onBatchFinished(BatchFinished finished) {
    runningBatches--;
    batches++;
    requests += finished.requests();
    return dispatch();
  }

  private Behavior<Command> onGetStatus(GetStatus get) {
    get.replyTo().tell(new ReplicaStatus(id, state, failure, signatures, batches, requests));
    return this;
  }

  private Behavior<Command> onStop() {
    if (state == VersionState.LOADING) {
      // The load cannot be cancelled; its result closes the model and stops the replica.
      state = VersionState.UNLOADING;
      return this;
    }
    if (state != VersionState.UNLOADING) {
      getContext().getLog().info("Replica {} stopping after {} queued requests", id, queue.size());
      state = VersionState.UNLOADING;
      deregister();
    }
    return stopWhenDrained();
  }

  private Behavior<Command> stopWhenDrained() {
    // A stopping replica still runs what it had queued: those callers were already promised an answer.
    boolean drained = model == null || (queue.isEmpty() && runningBatches == 0);
    if (state == VersionState.UNLOADING && drained && !timers.isTimerActive(GraceOver.INSTANCE)) {
      if (settings.stopGrace().isZero()) return Behaviors.stopped();
      timers.startSingleTimer(GraceOver.INSTANCE, settings.stopGrace());
    }
    return this;
  }

  /**
   * Leaves the listings this replica joined, so edges stop choosing it before it stops. Only those:
   * the cluster receptionist treats removing a registration that never was as a failure and stops.
   */
  private void deregister() {
    ActorRef<Command> self = getContext().getSelf();
    ActorRef<Receptionist.Command> receptionist = getContext().getSystem().receptionist();
    if (model != null) receptionist.tell(Receptionist.deregister(readyKey(id.version()), self));
    if (!failure.isEmpty()) receptionist.tell(Receptionist.deregister(failedKey(id.version()), self));
    receptionist.tell(Receptionist.deregister(replicasKey(id.version()), self));
  }

  private Behavior<Command> onPostStop() {
    for (Pending pending : queue) {
      pending.replyTo().tell(new Rejected(Rejection.UNAVAILABLE, "replica " + id + " stopped"));
    }
    queue.clear();
    if (model != null) model.close();
    return this;
  }

  static String rootMessage(Throwable error) {
    Throwable root = error;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    int newline = message.indexOf('\n');
    return newline > 0 ? message.substring(0, newline).trim() : message.trim();
  }
}
