package io.turnout.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.turnout.protocol.KryoTestMessages.Bag;
import io.turnout.protocol.KryoTestMessages.Holder;
import io.turnout.protocol.KryoTestMessages.Unregistered;
import io.turnout.protocol.rollout.LatencyHistogram;
import io.turnout.protocol.rollout.VersionWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.annotations.JUnit5TestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.JUnit5TestKitBuilder;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJUnit5Extension;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The protocol types through Pekko's serialization, as they would cross nodes. */
@ExtendWith({TestKitJUnit5Extension.class, LogCapturingExtension.class})
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // one ActorSystem for the class; the extension stops it after all
class KryoSerializerTest {

  @JUnit5TestKit ActorTestKit testKit = new JUnit5TestKitBuilder().build();

  private Serialization serialization;
  private KryoSerializer kryo;

  @BeforeAll
  void findSerializer() throws Exception {
    serialization = SerializationExtension.get(testKit.system());
    kryo = (KryoSerializer) serialization.serializerFor(ClusterMessage.class);
  }

  /** Through {@code Serialization.serialize/deserialize}, checking Kryo was the one chosen. */
  @SuppressWarnings("unchecked")
  private <T> T roundTrip(T message) {
    Serializer serializer = serialization.findSerializerFor(message);
    assertEquals(KryoSerializer.IDENTIFIER, serializer.identifier(), () -> "serializer for " + message.getClass());
    byte[] bytes = serialization.serialize(message).get();
    Object back = serialization.deserialize(bytes, serializer.identifier(), "").get();
    assertEquals(message, back);
    assertNotSame(message, back);
    return (T) back;
  }

  /** Straight through the Kryo serializer, for the values that are not messages on their own. */
  private Object kryoRoundTrip(Object value) {
    Object back = kryo.fromBinary(kryo.toBinary(value));
    assertEquals(value, back);
    return back;
  }

  @Test
  void clusterMessagesAreBoundToKryoUnderItsConstantIdentifier() throws Exception {
    assertTrue(KryoSerializer.IDENTIFIER > 40, "0-40 are Pekko's");
    assertEquals(KryoSerializer.IDENTIFIER, kryo.identifier());
    assertFalse(kryo.includeManifest());
    for (Class<?> type : List.of(ModelVersionId.class, ReplicaId.class, TensorSpec.class, ModelSignature.class,
        InferenceRequest.class, InferenceResult.class, VersionStatus.class)) {
      Serializer serializer = serialization.serializerFor(type);
      assertInstanceOf(KryoSerializer.class, serializer, type.getName());
      assertEquals(KryoSerializer.IDENTIFIER, serializer.identifier());
    }
    assertEquals(kryo, serialization.serializerByIdentity().apply(KryoSerializer.IDENTIFIER));
  }

  static Stream<Arguments> tensors() {
    float[] thousandByFour = new float[4000];
    for (int i = 0; i < thousandByFour.length; i++) thousandByFour[i] = i * 0.25f - 17;
    return Stream.of(
        Arguments.of("FP32 scalar", Tensor.ofFloats(new long[] {}, new float[] {3.5f})),
        Arguments.of("FP32 empty [0,4]", Tensor.ofFloats(new long[] {0, 4}, new float[0])),
        Arguments.of("FP32 NaN and infinities", Tensor.ofFloats(new long[] {2, 3},
            new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE})),
        Arguments.of("FP32 1000x4", Tensor.ofFloats(new long[] {1000, 4}, thousandByFour)),
        Arguments.of("FP64", Tensor.ofDoubles(new long[] {5},
            new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Math.PI})),
        Arguments.of("INT32", Tensor.ofInts(new long[] {1, 4}, new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE})),
        Arguments.of("INT64", Tensor.ofLongs(new long[] {3, 1}, new long[] {Long.MIN_VALUE, 42, Long.MAX_VALUE})),
        Arguments.of("BOOL one", Tensor.ofBooleans(new long[] {1}, new boolean[] {true})),
        Arguments.of("BOOL 3x3", Tensor.ofBooleans(new long[] {3, 3},
            new boolean[] {true, false, true, true, true, false, false, true, true})),
        Arguments.of("BOOL empty", Tensor.ofBooleans(new long[] {0}, new boolean[0])),
        Arguments.of("BYTES", Tensor.ofBytes(new long[] {2, 2}, new byte[][] {
            {}, {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80}, "héllo".getBytes(java.nio.charset.StandardCharsets.UTF_8), {0}})),
        Arguments.of("BYTES scalar empty", Tensor.ofBytes(new long[] {}, new byte[][] {{}})),
        Arguments.of("BYTES null element", Tensor.ofBytes(new long[] {2}, new byte[][] {null, {1}})));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("tensors")
  void tensorsRoundTripInsideARequestAndOnTheirOwn(String name, Tensor tensor) {
    InferenceRequest request = new InferenceRequest("serving_default", Map.of("x", tensor), List.of());
    Tensor back = roundTrip(request).inputs().get("x");
    assertEquals(tensor.dataType(), back.dataType());
    assertArrayEquals(tensor.shape(), back.shape());
    assertEquals(tensor.data().getClass(), back.data().getClass());

    Tensor alone = (Tensor) kryoRoundTrip(tensor);
    assertEquals(tensor, alone);
  }

  @Test
  void tensorElementsAreWrittenRawWithoutBoxing() {
    Tensor big = Tensor.ofFloats(new long[] {1000, 4}, new float[4000]);
    int bytes = kryo.toBinary(big).length;
    assertTrue(bytes >= 4 * 4000 && bytes <= 4 * 4000 + 32, "1000x4 FP32 took " + bytes + " bytes");
    Tensor bools = Tensor.ofBooleans(new long[] {800}, new boolean[800]);
    assertTrue(kryo.toBinary(bools).length <= 100 + 32, "BOOL is packed eight to a byte");
  }

  @Test
  void aOneRowRequestIsSmall() {
    // A regression guard for the wire form: class names, boxed elements or Java serialization would
    // each take this well past 80 bytes.
    InferenceRequest request = new InferenceRequest(
        "serving_default", Map.of("x", Tensor.ofFloats(new long[] {1, 4}, new float[] {5.1f, 3.5f, 1.4f, 0.2f})), List.of());
    byte[] bytes = serialization.serialize(request).get();
    assertTrue(bytes.length < 80, "1x4 FP32 request took " + bytes.length + " bytes");
  }

  @Test
  void tensorSpecsWithUnknownRankAndAnyDimension() {
    TensorSpec unknownRank = roundTrip(new TensorSpec("x", DataType.BYTES, null));
    assertNull(unknownRank.dims());
    TensorSpec batch = roundTrip(new TensorSpec("x", DataType.FP32, List.of(-1L, 4L)));
    assertEquals(List.of(-1L, 4L), batch.dims());
    assertTrue(batch.batchable());
    roundTrip(new TensorSpec("scalar", DataType.INT64, List.of()));
  }

  @Test
  void signaturesKeepTheirDeclarationOrder() {
    Map<String, TensorSpec> inputs = new LinkedHashMap<>();
    for (String name : List.of("zeta", "alpha", "mid", "beta", "omega", "a1", "b2", "c3", "d4", "e5")) {
      inputs.put(name, new TensorSpec(name, DataType.FP32, List.of(-1L, 4L)));
    }
    Map<String, TensorSpec> outputs = new LinkedHashMap<>();
    outputs.put("scores", new TensorSpec("scores", DataType.FP32, List.of(-1L, 3L)));
    outputs.put("classes", new TensorSpec("classes", DataType.BYTES, List.of(-1L, 3L)));
    ModelSignature back = roundTrip(new ModelSignature(ModelSignature.DEFAULT_KEY, "tensorflow/serving/predict", inputs, outputs));
    assertEquals(List.copyOf(inputs.keySet()), List.copyOf(back.inputs().keySet()));
    assertEquals(List.of("scores", "classes"), List.copyOf(back.outputs().keySet()));
    assertThrows(UnsupportedOperationException.class, () -> back.inputs().clear());
  }

  @Test
  void requestsAndResults() {
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    inputs.put("x", Tensor.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
    inputs.put("ids", Tensor.ofLongs(new long[] {2}, new long[] {7, 8}));
    InferenceRequest request = roundTrip(new InferenceRequest("serving_default", inputs, List.of("scores", "classes")));
    assertEquals(List.of("x", "ids"), List.copyOf(request.inputs().keySet()));
    assertEquals(List.of("scores", "classes"), request.outputs());
    roundTrip(new InferenceRequest("", Map.of(), List.of()));

    InferenceResult result = roundTrip(new InferenceResult(new ModelVersionId("iris", 2), inputs));
    assertEquals(List.of("x", "ids"), List.copyOf(result.outputs().keySet()));
  }

  @ParameterizedTest
  @EnumSource(VersionState.class)
  void versionStatuses(VersionState state) {
    roundTrip(new VersionStatus(new ModelVersionId("iris", 3), state, state == VersionState.FAILED ? "no such file" : ""));
  }

  @Test
  void ids() {
    roundTrip(new ModelVersionId("iris", 0));
    roundTrip(new ModelVersionId("a.b-c_d", Long.MAX_VALUE));
    roundTrip(new ReplicaId(new ModelVersionId("iris", 2), 7));
  }

  @Test
  void windowStatisticsWithTheirLatencyHistogram() {
    long[] counts = new long[LatencyHistogram.BUCKETS];
    counts[LatencyHistogram.bucketOf(20_000)] = 95;
    counts[LatencyHistogram.bucketOf(900_000)] = 5;
    VersionWindow window = roundTrip(new VersionWindow(100, 3, new LatencyHistogram(counts)));
    assertEquals(LatencyHistogram.upperMicros(LatencyHistogram.bucketOf(900_000)), window.p99Micros());
  }

  @ParameterizedTest
  @EnumSource(DataType.class)
  void enumsOnTheirOwn(DataType type) {
    kryoRoundTrip(type);
  }

  @Test
  void anyJdkCollectionComesBackImmutableInTheSameOrder() {
    List<String> arrayList = new ArrayList<>(List.of("b", "a", "c"));
    Map<String, Integer> map = new LinkedHashMap<>();
    map.put("z", 1);
    map.put("a", 2);
    Bag bag = new Bag(arrayList, Set.of(3L, 1L, 2L), Collections.unmodifiableMap(map), Arrays.asList("x", null),
        Instant.parse("2025-01-02T03:04:05.123456789Z"), Duration.ofMillis(1500), UUID.randomUUID());
    Bag back = roundTrip(bag);
    assertEquals(List.of("b", "a", "c"), back.list());
    assertEquals(List.of("z", "a"), List.copyOf(back.map().keySet()));
    assertEquals(List.copyOf(bag.set()), List.copyOf(back.set()), "set iteration order");
    assertThrows(UnsupportedOperationException.class, () -> back.list().add("d"));
    assertThrows(UnsupportedOperationException.class, () -> back.set().add(4L));
    assertThrows(UnsupportedOperationException.class, () -> back.withNull().set(0, "y"));

    roundTrip(new Bag(List.of(), Set.of(), Map.of(), List.of("one"), Instant.EPOCH, Duration.ZERO, new UUID(0, 0)));
    roundTrip(new Bag(List.of("a", "b"), Set.of(1L), Map.of("k", 1, "l", 2), List.copyOf(arrayList),
        Instant.MAX, Duration.ofDays(-3), new UUID(-1, 1)));
  }

  @Test
  void anUnregisteredMessageFailsNamingTheClassAndTheConfigKey() {
    Unregistered message = new Unregistered("hello");
    assertEquals(KryoSerializer.IDENTIFIER, serialization.findSerializerFor(message).identifier());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kryo.toBinary(message));
    assertTrue(e.getMessage().contains(Unregistered.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("turnout.serialization.kryo.registrations"), e.getMessage());
    assertTrue(serialization.serialize(message).isFailure());
  }

  @Test
  void anUnregisteredClassInsideARegisteredMessageIsNamedToo() {
    Holder holder = new Holder(new ModelVersionId("iris", 1), new Unregistered("inner"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kryo.toBinary(holder));
    assertTrue(e.getMessage().contains(Holder.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("Class is not registered with turnout-kryo: " + Unregistered.class.getName()), e.getMessage());
    assertTrue(e.getMessage().contains("turnout.serialization.kryo.registrations"), e.getMessage());

    IllegalArgumentException jdk = assertThrows(IllegalArgumentException.class,
        () -> kryo.toBinary(new Holder(new ModelVersionId("iris", 1), new java.util.concurrent.atomic.AtomicLong())));
    assertTrue(jdk.getMessage().contains("java.util.concurrent.atomic.AtomicLong"), jdk.getMessage());
  }

  @Test
  void bytesThatAreNotAWholeMessageAreRejected() {
    byte[] bytes = kryo.toBinary(new ReplicaId(new ModelVersionId("iris", 2), 1));
    assertEquals(new ReplicaId(new ModelVersionId("iris", 2), 1), kryo.fromBinary(bytes));

    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    longer[longer.length - 1] = longer[longer.length - 2];
    assertThrows(IllegalArgumentException.class, () -> kryo.fromBinary(longer), "trailing byte");
    assertThrows(IllegalArgumentException.class, () -> kryo.fromBinary(Arrays.copyOf(bytes, bytes.length - 1)), "truncated");
    assertThrows(IllegalArgumentException.class, () -> kryo.fromBinary(new byte[0]), "empty");

    byte[] badTrailer = bytes.clone();
    badTrailer[badTrailer.length - 1] ^= 1;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kryo.fromBinary(badTrailer));
    assertTrue(e.getMessage().contains(ReplicaId.class.getName()), e.getMessage());
  }

  @Test
  void aCorruptTensorFailsInsteadOfAllocating() {
    Tensor tensor = Tensor.ofFloats(new long[] {2}, new float[] {1, 2});
    byte[] bytes = kryo.toBinary(tensor);
    // class id, dtype, rank, then the first dimension: claim 2^40 rows.
    byte[] huge = new byte[bytes.length - 1 + 6];
    System.arraycopy(bytes, 0, huge, 0, 3);
    byte[] varlong = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20};
    System.arraycopy(varlong, 0, huge, 3, varlong.length);
    System.arraycopy(bytes, 4, huge, 3 + varlong.length, bytes.length - 4);
    assertThrows(IllegalArgumentException.class, () -> kryo.fromBinary(huge));
  }

  @Test
  void theManifestClassIsChecked() throws Exception {
    byte[] bytes = kryo.toBinary(new ModelVersionId("iris", 1));
    assertEquals(new ModelVersionId("iris", 1), kryo.fromBinary(bytes, ModelVersionId.class));
    assertThrows(IllegalArgumentException.class, () -> kryo.fromBinary(bytes, ReplicaId.class));
  }
}
