package io.turnout.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.ConfigFactory;
import io.turnout.node.directory.ServingView;
import io.turnout.node.directory.VersionView;
import io.turnout.node.replica.ModelVersionReplica;
import io.turnout.node.replica.ModelVersionReplica.Predict;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.node.stats.WindowRecorder;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.DataType;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import io.turnout.protocol.rollout.Mirror;
import io.turnout.protocol.rollout.RoutingTable;
import io.turnout.protocol.rollout.ShadowStats;
import io.turnout.protocol.rollout.VersionWindow;
import io.turnout.protocol.rollout.WeightedVersion;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The edge's shadow traffic against replicas whose answers the test holds and releases: copies
 * never hold up the primary, stay within the in-flight limit, and are compared with the primary's
 * answer whichever of the two comes last.
 */
class ShadowsTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ModelVersionId V1 = new ModelVersionId("iris", 1);
  private static final ModelVersionId V2 = new ModelVersionId("iris", 2);
  private static final InferenceRequest REQUEST = new InferenceRequest(ModelSignature.DEFAULT_KEY,
      Map.of("features", Tensor.ofFloats(new long[] {1, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f})), List.of());

  /** Predict messages a replica received, answered when the test says so. */
  private final BlockingQueue<Predict> stableAsked = new LinkedBlockingQueue<>();
  private final BlockingQueue<Predict> shadowAsked = new LinkedBlockingQueue<>();
  private final AtomicInteger backgroundTasks = new AtomicInteger();
  private final ExecutorService backgroundThread = Executors.newSingleThreadExecutor();
  private final WindowRecorder windows = new WindowRecorder();
  private final PredictionClient client = new PredictionClient(testKit.system(), TIMEOUT);
  private final AtomicReference<ServingView> view = new AtomicReference<>();
  private VersionView stable;

  @AfterAll
  static void shutDown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void stableAndACandidateShadowingAllOfItsRequests() {
    stable = ready(V1, replica(stableAsked));
    VersionView candidate = ready(V2, replica(shadowAsked));
    view.set(new ServingView(Map.of("iris", new TreeMap<>(Map.of(1L, stable, 2L, candidate))),
        Map.of("iris", table(new Mirror(List.of(2L), RoutingTable.ALL)))));
  }

  private Shadows shadows(int maxInFlight) {
    Supplier<ServingView> current = view::get;
    return new Shadows(current, client, windows, task -> {
      backgroundTasks.incrementAndGet();
      backgroundThread.execute(task);
    }, maxInFlight);
  }

  private static RoutingTable table(Mirror mirror) {
    return new RoutingTable("iris", 1, 1, List.of(new WeightedVersion(1, RoutingTable.ALL)), List.of(), "", Map.of(),
        mirror, false);
  }

  private static ActorRef<ModelVersionReplica.Command> replica(BlockingQueue<Predict> asked) {
    return testKit.spawn(Behaviors.receiveMessage(command -> {
      if (command instanceof Predict predict) asked.add(predict);
      return Behaviors.same();
    }));
  }

  private static VersionView ready(ModelVersionId id, ActorRef<ModelVersionReplica.Command> replica) {
    ModelSignature signature = new ModelSignature(ModelSignature.DEFAULT_KEY, "tensorflow/serving/predict",
        Map.of("features", new TensorSpec("features", DataType.FP32, List.of(-1L, 4L))),
        Map.of("probabilities", new TensorSpec("probabilities", DataType.FP32, List.of(-1L, 3L))));
    return new VersionView(new RegisteredVersion(id, URI.create("file:/models/iris/" + id.version()), 1),
        List.of(replica), List.of(), 1, "", Map.of(ModelSignature.DEFAULT_KEY, signature));
  }

  private static Predicted scores(ModelVersionId version, float... probabilities) {
    return new Predicted(new InferenceResult(version,
        Map.of("probabilities", Tensor.ofFloats(new long[] {1, probabilities.length}, probabilities))));
  }

  private static Predict next(BlockingQueue<Predict> asked) throws InterruptedException {
    Predict predict = asked.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    if (predict == null) throw new AssertionError("no request reached the replica within " + TIMEOUT);
    return predict;
  }

  private CompletionStage<PredictReply> primary() {
    return client.predict(stable, REQUEST);
  }

  /** What the candidate's window holds as a shadow once recorded (the drain resets it). */
  private ShadowStats drainShadow() {
    VersionWindow window = windows.drain().getOrDefault("iris", Map.of()).get(2L);
    return window == null ? ShadowStats.none() : window.shadow();
  }

  private ShadowStats awaitShadow(long recorded) throws InterruptedException {
    ShadowStats seen = ShadowStats.none();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (seen.mirrored() < recorded) {
      if (System.nanoTime() > deadline) throw new AssertionError("recorded " + seen + ", expected " + recorded);
      seen = seen.plus(drainShadow());
      Thread.sleep(5);
    }
    return seen;
  }

  @Test
  void thePrimaryAnswersWhileItsCopyIsStillOutstanding() throws Exception {
    Shadows shadows = shadows(8);
    CompletionStage<PredictReply> primary = primary();
    shadows.mirror(stable, REQUEST, primary);

    Predict copy = next(shadowAsked);
    assertEquals(REQUEST, copy.request(), "the copy carries the primary's request");
    next(stableAsked).replyTo().tell(scores(V1, 0.8f, 0.1f, 0.1f));
    PredictReply reply = primary.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

    assertEquals(scores(V1, 0.8f, 0.1f, 0.1f), reply);
    assertEquals(1, shadows.inFlight());
    assertEquals(ShadowStats.none(), drainShadow(), "nothing recorded before the copy answers");

    copy.replyTo().tell(scores(V2, 0.6f, 0.3f, 0.1f));
    ShadowStats recorded = awaitShadow(1);
    assertEquals(1, recorded.compared());
    assertEquals(1, recorded.agreed());
    assertEquals(0.2, recorded.maxAbsDiff(), 1e-6);
    assertEquals(0, shadows.inFlight());
    assertEquals(0, backgroundTasks.get(), "the copy answered last and compared on its own thread");
  }

  @Test
  void whenThePrimaryAnswersLastTheComparisonRunsInTheBackground() throws Exception {
    Shadows shadows = shadows(8);
    CompletionStage<PredictReply> primary = primary();
    shadows.mirror(stable, REQUEST, primary);

    next(shadowAsked).replyTo().tell(scores(V2, 0.1f, 0.1f, 0.8f));
    awaitInFlight(shadows, 0);
    next(stableAsked).replyTo().tell(scores(V1, 0.8f, 0.1f, 0.1f));
    primary.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);

    ShadowStats recorded = awaitShadow(1);
    assertEquals(1, backgroundTasks.get());
    assertEquals(1, recorded.classified());
    assertEquals(0, recorded.agreed(), "class 2 against class 0");
  }

  @Test
  void copiesBeyondTheInFlightLimitAreDroppedAndCountedNotQueued() throws Exception {
    Shadows shadows = shadows(2);
    for (int i = 0; i < 5; i++) shadows.mirror(stable, REQUEST, primary());

    Predict first = next(shadowAsked);
    Predict second = next(shadowAsked);
    assertEquals(2, shadows.inFlight());
    assertEquals(null, shadowAsked.poll(200, TimeUnit.MILLISECONDS), "only two copies were sent");
    ShadowStats dropped = drainShadow();
    assertEquals(3, dropped.dropped());
    assertEquals(0, dropped.mirrored());

    // Answered copies free their places for new ones.
    for (int i = 0; i < 5; i++) next(stableAsked).replyTo().tell(scores(V1, 0.8f, 0.1f, 0.1f));
    first.replyTo().tell(scores(V2, 0.8f, 0.1f, 0.1f));
    second.replyTo().tell(scores(V2, 0.8f, 0.1f, 0.1f));
    assertEquals(2, awaitShadow(2).agreed());
    shadows.mirror(stable, REQUEST, primary());
    next(shadowAsked);
    assertEquals(1, shadows.inFlight());
  }

  @Test
  void aFailedCopyCountsAsTheCandidatesErrorWithoutAComparison() throws Exception {
    Shadows shadows = shadows(8);
    CompletionStage<PredictReply> primary = primary();
    shadows.mirror(stable, REQUEST, primary);

    next(stableAsked).replyTo().tell(scores(V1, 0.8f, 0.1f, 0.1f));
    next(shadowAsked).replyTo().tell(new Rejected(Rejection.FAILED, "the model crashed"));

    ShadowStats recorded = awaitShadow(1);
    assertEquals(1, recorded.errors());
    assertEquals(0, recorded.compared());
  }

  @Test
  void inputBothVersionsRefuseIsTheClientsFaultAndNotCounted() throws Exception {
    Shadows shadows = shadows(8);
    CompletionStage<PredictReply> primary = primary();
    shadows.mirror(stable, REQUEST, primary);

    next(shadowAsked).replyTo().tell(new Rejected(Rejection.INVALID_INPUT, "bad rows"));
    next(stableAsked).replyTo().tell(new Rejected(Rejection.INVALID_INPUT, "bad rows"));
    primary.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    awaitInFlight(shadows, 0);
    backgroundThread.submit(() -> { }).get(); // the comparison task, if any, has run

    assertEquals(ShadowStats.none(), drainShadow());
  }

  @Test
  void onlyRequestsServedByStableAreCopiedAndOnlyWhenTheTableSamplesThem() throws Exception {
    Shadows shadows = shadows(8);
    VersionView candidate = view.get().version(V2).orElseThrow();
    shadows.mirror(candidate, REQUEST, client.predict(candidate, REQUEST));
    next(shadowAsked); // the primary itself

    view.set(new ServingView(view.get().models(), Map.of("iris", table(new Mirror(List.of(2L), 0)))));
    for (int i = 0; i < 50; i++) shadows.mirror(stable, REQUEST, primary());
    view.set(new ServingView(view.get().models(), Map.of()));
    shadows.mirror(stable, REQUEST, primary());

    assertEquals(null, shadowAsked.poll(200, TimeUnit.MILLISECONDS), "no copy was sent");
    assertEquals(0, shadows.inFlight());
  }

  @Test
  void aCandidateWithNoReadyReplicaIsSkippedWithoutCountingADrop() throws Exception {
    VersionView loading = VersionView.registered(new RegisteredVersion(V2, URI.create("file:/models/iris/2"), 1));
    view.set(new ServingView(Map.of("iris", new TreeMap<>(Map.of(1L, stable, 2L, loading))), view.get().routing()));
    Shadows shadows = shadows(8);

    shadows.mirror(stable, REQUEST, primary());

    assertFalse(loading.ready());
    assertEquals(ShadowStats.none(), drainShadow());
    assertEquals(0, shadows.inFlight());
  }

  private static void awaitInFlight(Shadows shadows, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (shadows.inFlight() != expected) {
      if (System.nanoTime() > deadline) throw new AssertionError(shadows.inFlight() + " copies in flight");
      Thread.sleep(5);
    }
  }

  @Test
  void copiesGoToEveryMirrorVersion() throws Exception {
    ActorRef<ModelVersionReplica.Command> third = replica(shadowAsked);
    ModelVersionId v3 = new ModelVersionId("iris", 3);
    VersionView candidate = view.get().version(V2).orElseThrow();
    view.set(new ServingView(Map.of("iris", new TreeMap<>(Map.of(1L, stable, 2L, candidate, 3L, ready(v3, third)))),
        Map.of("iris", table(new Mirror(List.of(2L, 3L), RoutingTable.ALL)))));
    Shadows shadows = shadows(8);

    shadows.mirror(stable, REQUEST, primary());

    next(shadowAsked);
    next(shadowAsked);
    assertEquals(2, shadows.inFlight());
    assertInstanceOf(Predict.class, next(stableAsked));
  }
}
