package io.turnout.node.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.turnout.node.replica.ModelVersionReplica.GetStatus;
import io.turnout.node.replica.ModelVersionReplica.Predict;
import io.turnout.node.replica.ModelVersionReplica.PredictReply;
import io.turnout.node.replica.ModelVersionReplica.Predicted;
import io.turnout.node.replica.ModelVersionReplica.Rejected;
import io.turnout.node.replica.ModelVersionReplica.Rejection;
import io.turnout.node.replica.ModelVersionReplica.ReplicaStatus;
import io.turnout.node.tensorflow.SavedModelRunner;
import io.turnout.node.tensorflow.TensorFlowSettings;
import io.turnout.node.testkit.TestModels;
import io.turnout.ops.models.IrisData;
import io.turnout.persistence.registry.ModelFolderRegistry;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.ReplicaId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.VersionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ModelVersionReplicaTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final ModelFolderRegistry registry = new ModelFolderRegistry(TestModels.root(), 1, Map.of());
  private static final TensorFlowSettings TF = new TensorFlowSettings(1, 1);
  private static final AtomicInteger replicaNumbers = new AtomicInteger();

  @AfterAll
  static void shutDown() {
    testKit.shutdownTestKit();
  }

  private static ModelVersionReplica.Settings settings(BatchingSettings batching) {
    return new ModelVersionReplica.Settings(batching, TF, "turnout.serving.tensorflow-dispatcher",
        "turnout.serving.loading-dispatcher");
  }

  /** A fresh replica of {@code model@version}, each with a unique replica number, once it serves. */
  private static ActorRef<ModelVersionReplica.Command> availableReplica(String model, long version,
      BatchingSettings batching) {
    ReplicaId id = new ReplicaId(new ModelVersionId(model, version), replicaNumbers.incrementAndGet());
    ActorRef<ModelVersionReplica.Command> replica = testKit.spawn(ModelVersionReplica.create(id, registry, settings(batching)));
    assertEquals(VersionState.AVAILABLE, awaitSettled(replica).state());
    return replica;
  }

  private static ReplicaStatus awaitSettled(ActorRef<ModelVersionReplica.Command> replica) {
    TestProbe<ReplicaStatus> probe = testKit.createTestProbe();
    return probe.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(20), () -> {
      replica.tell(new GetStatus(probe.ref()));
      ReplicaStatus status = probe.receiveMessage();
      assertTrue(status.state() != VersionState.LOADING, "still loading");
      return status;
    });
  }

  private static InferenceRequest irisRows(int from, int count) {
    float[][] features = IrisData.load().features();
    float[] data = new float[count * 4];
    for (int i = 0; i < count; i++) System.arraycopy(features[from + i], 0, data, i * 4, 4);
    return new InferenceRequest("serving_default", Map.of("features", Tensor.ofFloats(new long[] {count, 4}, data)), List.of());
  }

  @Test
  void concurrentRequestsShareTensorFlowCallsAndEachCallerGetsItsOwnRows() throws Exception {
    // A 500 ms window makes the merge certain: the burst below arrives well within it.
    BatchingSettings batching = new BatchingSettings(64, Duration.ofMillis(500), 1000, 1);
    ActorRef<ModelVersionReplica.Command> replica = availableReplica("iris", 2, batching);
    int callers = 40;
    List<TestProbe<PredictReply>> probes = new ArrayList<>();
    for (int i = 0; i < callers; i++) {
      TestProbe<PredictReply> probe = testKit.createTestProbe();
      probes.add(probe);
      replica.tell(new Predict(irisRows(i * 3, 1 + i % 3), probe.ref()));
    }

    try (SavedModelRunner direct = SavedModelRunner.load(TestModels.root().resolve("iris/2"), TF)) {
      for (int i = 0; i < callers; i++) {
        Predicted predicted = assertInstanceOf(Predicted.class, probes.get(i).receiveMessage(Duration.ofSeconds(10)));
        InferenceRequest asked = irisRows(i * 3, 1 + i % 3);
        Tensor alone = direct.run("serving_default", asked.inputs(), List.of()).get("probabilities");
        Tensor batched = predicted.result().outputs().get("probabilities");
        assertEquals(alone.shape()[0], batched.shape()[0], "caller " + i + " gets its own number of rows");
        for (int k = 0; k < alone.elementCount(); k++) {
          assertEquals(alone.floats()[k], batched.floats()[k], 1e-5, "caller " + i + " element " + k);
        }
      }
    }
    TestProbe<ReplicaStatus> status = testKit.createTestProbe();
    replica.tell(new GetStatus(status.ref()));
    ReplicaStatus counted = status.receiveMessage();
    assertEquals(callers, counted.requests());
    assertTrue(counted.batches() < callers, "expected merged batches, got " + counted.batches() + " calls for "
        + callers + " requests");
    assertTrue(counted.batches() <= 3, "64-row batches hold all 80 rows in two calls, got " + counted.batches());
  }

  @Test
  void aFullQueueRefusesInsteadOfGrowing() {
    // One-hour window: the first two requests wait in the queue, the third finds it full.
    BatchingSettings batching = new BatchingSettings(1000, Duration.ofHours(1), 2, 1);
    ActorRef<ModelVersionReplica.Command> replica = availableReplica("iris", 1, batching);
    TestProbe<PredictReply> probe = testKit.createTestProbe();
    replica.tell(new Predict(irisRows(0, 1), probe.ref()));
    replica.tell(new Predict(irisRows(1, 1), probe.ref()));
    replica.tell(new Predict(irisRows(2, 1), probe.ref()));
    Rejected rejected = assertInstanceOf(Rejected.class, probe.receiveMessage());
    assertEquals(Rejection.OVERLOADED, rejected.rejection());
    testKit.stop(replica);
    // Stopping answers the waiting callers instead of leaving them to time out.
    assertEquals(Rejection.UNAVAILABLE, assertInstanceOf(Rejected.class, probe.receiveMessage()).rejection());
    assertEquals(Rejection.UNAVAILABLE, assertInstanceOf(Rejected.class, probe.receiveMessage()).rejection());
  }

  @Test
  void aRequestThatDoesNotFitTheSignatureIsRefusedAndTheReplicaKeepsServing() {
    ActorRef<ModelVersionReplica.Command> replica = availableReplica("iris", 2, immediateBatching());
    TestProbe<PredictReply> probe = testKit.createTestProbe();
    InferenceRequest threeColumns = new InferenceRequest("serving_default",
        Map.of("features", Tensor.ofFloats(new long[] {1, 3}, new float[] {1, 2, 3})), List.of());
    replica.tell(new Predict(threeColumns, probe.ref()));
    Rejected rejected = assertInstanceOf(Rejected.class, probe.receiveMessage());
    assertEquals(Rejection.INVALID_INPUT, rejected.rejection());
    assertTrue(rejected.message().contains("shape"), rejected.message());

    replica.tell(new Predict(irisRows(0, 2), probe.ref()));
    assertInstanceOf(Predicted.class, probe.receiveMessage());
  }

  @Test
  void aVersionWhoseSavedModelCannotLoadReportsFailedWithTheReason() {
    ReplicaId id = new ReplicaId(new ModelVersionId("broken", 1), replicaNumbers.incrementAndGet());
    ActorRef<ModelVersionReplica.Command> replica = testKit.spawn(
        ModelVersionReplica.create(id, registry, settings(immediateBatching())));
    ReplicaStatus status = awaitSettled(replica);
    assertEquals(VersionState.FAILED, status.state());
    assertTrue(!status.reason().isBlank(), "a reason is given");

    TestProbe<PredictReply> probe = testKit.createTestProbe();
    replica.tell(new Predict(irisRows(0, 1), probe.ref()));
    Rejected rejected = assertInstanceOf(Rejected.class, probe.receiveMessage());
    assertEquals(Rejection.UNAVAILABLE, rejected.rejection());
    assertTrue(rejected.message().contains("failed to load"), rejected.message());
  }

  private static BatchingSettings immediateBatching() {
    return new BatchingSettings(256, Duration.ZERO, 1024, 2);
  }
}
