package io.turnout.node.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.turnout.node.tensorflow.TensorFlowSettings;
import io.turnout.node.testkit.TestModels;
import io.turnout.persistence.registry.ModelFolderRegistry;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.ReplicaId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.VersionState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A replica that stops must give back the native memory of its model and of every tensor it used:
 * the wide model holds ~4 MB of weights in native memory, so a leak of one model per cycle would
 * grow the process by well over 100 MB across the cycles measured here.
 */
class NativeMemoryTest {
  private static final ActorTestKit testKit = ActorTestKit.create(ConfigFactory.load());
  private static final int WARM_UP_CYCLES = 8;
  private static final int MEASURED_CYCLES = 30;
  private static final long ALLOWED_GROWTH_KB = 40 * 1024;

  @AfterAll
  static void shutDown() {
    testKit.shutdownTestKit();
  }

  @Test
  void startingAndStoppingReplicasKeepsResidentMemoryFlat() throws IOException {
    ModelFolderRegistry registry = new ModelFolderRegistry(TestModels.root(), 1, Map.of());
    ModelVersionReplica.Settings settings = new ModelVersionReplica.Settings(
        new BatchingSettings(256, Duration.ZERO, 1024, 2), new TensorFlowSettings(1, 1),
        "turnout.serving.tensorflow-dispatcher", "turnout.serving.loading-dispatcher");
    for (int cycle = 0; cycle < WARM_UP_CYCLES; cycle++) cycle(registry, settings, cycle);
    System.gc();
    long before = residentKb();
    for (int cycle = 0; cycle < MEASURED_CYCLES; cycle++) cycle(registry, settings, WARM_UP_CYCLES + cycle);
    System.gc();
    long growth = residentKb() - before;
    System.out.printf("RSS grew %d KB over %d replica start/predict/stop cycles of the wide model%n",
        growth, MEASURED_CYCLES);
    assertTrue(growth < ALLOWED_GROWTH_KB, "RSS grew " + growth + " KB over " + MEASURED_CYCLES + " cycles");
  }

  private static void cycle(ModelFolderRegistry registry, ModelVersionReplica.Settings settings, int number) {
    ReplicaId id = new ReplicaId(new ModelVersionId("wide", 1), 100 + number);
    ActorRef<ModelVersionReplica.Command> replica = testKit.spawn(ModelVersionReplica.create(id, registry, settings));
    TestProbe<ModelVersionReplica.ReplicaStatus> status = testKit.createTestProbe();
    status.awaitAssert(Duration.ofSeconds(30), Duration.ofMillis(10), () -> {
      replica.tell(new ModelVersionReplica.GetStatus(status.ref()));
      assertEquals(VersionState.AVAILABLE, status.receiveMessage().state());
      return null;
    });
    TestProbe<ModelVersionReplica.PredictReply> replies = testKit.createTestProbe();
    float[] rows = new float[64 * 4];
    for (int i = 0; i < rows.length; i++) rows[i] = (i % 7) * 0.5f;
    InferenceRequest request = new InferenceRequest("serving_default",
        Map.of("features", Tensor.ofFloats(new long[] {64, 4}, rows)), List.of());
    for (int i = 0; i < 20; i++) replica.tell(new ModelVersionReplica.Predict(request, replies.ref()));
    for (int i = 0; i < 20; i++) assertInstanceOf(ModelVersionReplica.Predicted.class, replies.receiveMessage());
    replica.tell(ModelVersionReplica.Stop.INSTANCE);
    replies.expectTerminated(replica, Duration.ofSeconds(10));
  }

  private static long residentKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", ""));
    }
    throw new IllegalStateException("no VmRSS in /proc/self/status");
  }
}
