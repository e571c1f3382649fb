package io.turnout.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.turnout.protocol.KryoTestMessages.Celsius;
import io.turnout.protocol.KryoTestMessages.Fahrenheit;
import io.turnout.protocol.KryoTestMessages.Unregistered;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The class table: how it is configured, checked, and what happens when two nodes disagree. */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one ActorSystem for the class; the extension stops it after all
class KryoRegistrationsTest {
  private static final String TEST_MESSAGES = KryoTestMessages.class.getName();

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private KryoSerializer serializerOf(ActorTestKit kit) throws Exception {
    return (KryoSerializer) SerializationExtension.get(kit.system()).serializerFor(ClusterMessage.class);
  }

  /** Another node: the test configuration with {@code registrations} laid over it. */
  private static ActorTestKit otherNode(String registrations) {
    Config config = ConfigFactory.parseString("turnout.serialization.kryo.registrations {" + registrations + "}")
        .withFallback(ActorTestKit.applicationTestConfig());
    return ActorTestKit.create("other-node", config);
  }

  @Test
  void anIdThatMeansAnotherClassElsewhereIsRejectedInsteadOfMisDecoded() throws Exception {
    // Same shape, ids swapped: without the schema check the bytes of one decode cleanly as the other.
    ActorTestKit other = otherNode("\"" + TEST_MESSAGES + "$Celsius\" = 907, \"" + TEST_MESSAGES + "$Fahrenheit\" = 906");
    try {
      byte[] bytes = serializerOf(other).toBinary(new Celsius(21.5));
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializerOf(testKit).fromBinary(bytes));
      assertTrue(e.getMessage().contains("turnout.serialization.kryo.registrations"), e.getMessage());
      assertTrue(e.getMessage().contains("907=" + Fahrenheit.class.getName()), e.getMessage());

      byte[] common = serializerOf(other).toBinary(new ModelVersionId("iris", 2));
      assertEquals(new ModelVersionId("iris", 2), serializerOf(testKit).fromBinary(common), "untouched classes still cross");
    } finally {
      other.shutdownTestKit();
    }
  }

  @Test
  void aClassAddedOnOneNodeOnlyFailsClearlyAndLeavesTheOthersAlone() throws Exception {
    ActorTestKit other = otherNode("\"" + TEST_MESSAGES + "$Unregistered\" = 950");
    try {
      KryoSerializer there = serializerOf(other);
      KryoSerializer here = serializerOf(testKit);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> here.fromBinary(there.toBinary(new Unregistered("new here"))));
      assertTrue(e.getMessage().contains("unregistered class ID: 950"), e.getMessage());

      InferenceRequest request = new InferenceRequest(
          "serving_default", Map.of("x", Tensor.ofInts(new long[] {1, 2}, new int[] {1, 2})), List.of());
      assertEquals(request, here.fromBinary(there.toBinary(request)));
      assertEquals(request, there.fromBinary(here.toBinary(request)));
    } finally {
      other.shutdownTestKit();
    }
  }

  @Test
  void aBadTableStopsTheSystemFromStarting() {
    Exception e = assertThrows(Exception.class, () -> otherNode("\"no.such.Message\" = 960").shutdownTestKit());
    assertTrue(causes(e).contains("cannot load class no.such.Message"), causes(e));
  }

  @Test
  void schemasNameEveryRecordComponentAndEnumConstant() throws Exception {
    ExtendedActorSystem system = (ExtendedActorSystem) Adapter.toClassic(testKit.system());
    KryoRegistrations registrations = KryoRegistrations.fromConfig(system.settings().config(), getClass().getClassLoader());
    var kryo = registrations.newKryo(system);

    String spec = KryoRegistrations.describe(kryo.getRegistration(TensorSpec.class));
    assertTrue(spec.contains("|24|io.turnout.protocol.TensorSpec|"), spec);
    assertTrue(spec.contains("dataType:io.turnout.protocol.DataType|dims:java.util.List<java.lang.Long>|name:java.lang.String"), spec);
    String dataType = KryoRegistrations.describe(kryo.getRegistration(DataType.class));
    assertTrue(dataType.endsWith("|FP32|FP64|INT32|INT64|BOOL|BYTES"), dataType);
    String tensor = KryoRegistrations.describe(kryo.getRegistration(Tensor.class));
    assertTrue(tensor.contains(TensorKryoSerializer.class.getName()), tensor);

    assertNotEquals(
        KryoRegistrations.describe(kryo.getRegistration(Celsius.class)).replace("Celsius", ""),
        KryoRegistrations.describe(kryo.getRegistration(Fahrenheit.class)).replace("Fahrenheit", ""),
        "the id is part of the schema");
  }

  private static ConfigException badTable(String registrations) {
    Config config = ConfigFactory.parseString("turnout.serialization.kryo.registrations {" + registrations + "}");
    return assertThrows(ConfigException.class, () -> KryoRegistrations.fromConfig(config, KryoRegistrationsTest.class.getClassLoader()));
  }

  @Test
  void configuredIdsMustBeUniqueAndInRange() {
    assertTrue(badTable("\"io.turnout.protocol.ModelVersionId\" = 5").getMessage().contains("outside 20"));
    assertTrue(badTable("\"io.turnout.protocol.ModelVersionId\" = 10000").getMessage().contains("outside 20"));
    assertTrue(badTable("\"io.turnout.protocol.ModelVersionId\" = 20.5").getMessage().contains("integer"));
    String duplicate = badTable("\"io.turnout.protocol.ModelVersionId\" = 30, \"io.turnout.protocol.ReplicaId\" = 30").getMessage();
    assertTrue(duplicate.contains("io.turnout.protocol.ModelVersionId") && duplicate.contains("io.turnout.protocol.ReplicaId"), duplicate);
  }

  @Test
  void configuredClassesMustExistAndBeConcreteOrHaveASerializer() {
    assertTrue(badTable("\"io.turnout.protocol.Missing\" = 30").getMessage().contains("cannot load class io.turnout.protocol.Missing"));
    assertTrue(badTable("io.turnout.protocol.ModelVersionId = 30").getMessage().contains("quoted"));
    assertTrue(badTable("\"io.turnout.protocol.ClusterMessage\" = 30").getMessage().contains("abstract"));
    assertTrue(badTable("\"io.turnout.protocol.Tensor\" { id = 30, serializer = \"java.lang.String\" }")
        .getMessage().contains("not a Kryo Serializer"));
  }

  @Test
  void classesTheSerializerHandlesItselfCannotBeRegisteredAgain() {
    ExtendedActorSystem system = (ExtendedActorSystem) Adapter.toClassic(testKit.system());
    Config config = ConfigFactory.parseString("turnout.serialization.kryo.registrations { \"java.util.ArrayList\" = 30 }");
    KryoRegistrations registrations = KryoRegistrations.fromConfig(config, getClass().getClassLoader());
    ConfigException e = assertThrows(ConfigException.class, () -> registrations.newKryo(system));
    assertTrue(e.getMessage().contains("already handled by the serializer itself as java.util.List (id 10)"), e.getMessage());
  }

  private static String causes(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = error; t != null; t = t.getCause()) text.append(t).append('\n');
    return text.toString();
  }
}
