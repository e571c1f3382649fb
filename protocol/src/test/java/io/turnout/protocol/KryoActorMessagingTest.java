package io.turnout.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.KryoTestMessages.ClassicEnvelope;
import io.turnout.protocol.KryoTestMessages.Infer;
import io.turnout.protocol.KryoTestMessages.Ping;
import io.turnout.protocol.KryoTestMessages.Pong;
import io.turnout.protocol.KryoTestMessages.Unregistered;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.LoggingTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.event.Level;

/**
 * Actor references inside messages, and actors talking in protocol messages while every message
 * is serialized ({@code serialize-messages = on}, Java serialization off: application-test.conf).
 */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one ActorSystem for the class; the extension stops it after all
class KryoActorMessagingTest {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private Object roundTrip(Object message) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    byte[] bytes = serialization.serialize(message).get();
    return serialization.deserialize(bytes, KryoSerializer.IDENTIFIER, "").get();
  }

  @Test
  void theTestSystemSerializesEveryMessageAndNeverWithJava() {
    assertTrue(testKit.system().settings().config().getBoolean("pekko.actor.serialize-messages"));
    assertFalse(testKit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization"));

    TestProbe<Pong> probe = testKit.createTestProbe();
    Pong sent = new Pong("copy me");
    probe.ref().tell(sent);
    Pong received = probe.receiveMessage();
    assertEquals(sent, received);
    assertNotSame(sent, received, "the probe got the deserialized copy");
  }

  @Test
  void aTypedActorRefInsideAMessageStillDeliversToTheSameActor() {
    TestProbe<Pong> probe = testKit.createTestProbe();
    Ping back = (Ping) roundTrip(new Ping("hi", probe.ref()));
    assertEquals(probe.ref(), back.replyTo());
    back.replyTo().tell(new Pong("delivered"));
    probe.expectMessage(new Pong("delivered"));
  }

  @Test
  void aClassicActorRefInsideAMessageStillDeliversToTheSameActor() {
    TestProbe<Pong> probe = testKit.createTestProbe();
    org.apache.pekko.actor.ActorRef classic = Adapter.toClassic(probe.ref());
    ClassicEnvelope back = (ClassicEnvelope) roundTrip(new ClassicEnvelope(classic));
    assertEquals(classic, back.ref());
    back.ref().tell(new Pong("classic"), org.apache.pekko.actor.ActorRef.noSender());
    probe.expectMessage(new Pong("classic"));
  }

  @Test
  void actorsExchangeProtocolMessages() {
    ActorRef<Infer> replica = testKit.spawn(Behaviors.receiveMessage(infer -> {
      infer.replyTo().tell(new InferenceResult(new ModelVersionId("iris", 2), infer.request().inputs()));
      return Behaviors.same();
    }));
    TestProbe<InferenceResult> probe = testKit.createTestProbe();
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put("x", Tensor.ofFloats(new long[] {2, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f, 6.2f, 2.9f, 4.3f, 1.3f}));
    inputs.put("flags", Tensor.ofBooleans(new long[] {2}, new boolean[] {true, false}));
    InferenceRequest request = new InferenceRequest("serving_default", inputs, List.of("scores"));

    replica.tell(new Infer(request, probe.ref()));

    InferenceResult result = probe.receiveMessage();
    assertEquals(new InferenceResult(new ModelVersionId("iris", 2), inputs), result);
    assertEquals(List.of("x", "flags"), List.copyOf(result.outputs().keySet()));
    assertNotSame(inputs.get("x"), result.outputs().get("x"));
  }

  @Test
  void anUnregisteredMessageIsNotDeliveredAndTheLogSaysWhy() {
    TestProbe<ClusterMessage> probe = testKit.createTestProbe();
    LoggingTestKit.custom(event -> event.getThrowable().map(KryoActorMessagingTest::namesUnregistered).orElse(false))
        .withLogLevel(Level.ERROR)
        .expect(testKit.system(), () -> {
          probe.ref().tell(new Unregistered("lost"));
          return null;
        });
    probe.expectNoMessage();
  }

  private static boolean namesUnregistered(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String message = t.getMessage();
      if (message != null && message.contains(Unregistered.class.getName())
          && message.contains("turnout.serialization.kryo.registrations")) {
        return true;
      }
    }
    return false;
  }
}
