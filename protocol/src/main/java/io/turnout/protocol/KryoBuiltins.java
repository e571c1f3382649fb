package io.turnout.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;

/**
 * The serializers {@link KryoSerializer} registers itself, below the configured id range: JDK
 * collections written by interface, and actor references written as their serialization-format
 * path.
 *
 * <p>Collections are written as size and elements (each with its class) and read back as
 * immutable, order-preserving instances, whatever implementation was sent: {@code List.copyOf},
 * {@code Map.of}, {@code Collections.unmodifiableMap(new LinkedHashMap<>(…))} and {@code ArrayList}
 * all cross the wire the same way. Messages are immutable trees, so nothing is lost.
 */
final class KryoBuiltins {
  private KryoBuiltins() {}

  /** Any {@link List}; read back as {@code List.of} (or an unmodifiable list if it holds nulls). */
  static final class ListSerializer extends Serializer<List<?>> {
    ListSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, List<?> list) {
      output.writeVarInt(list.size(), true);
      for (Object element : list) kryo.writeClassAndObject(output, element);
    }

    @Override
    public List<?> read(Kryo kryo, Input input, Class<? extends List<?>> type) {
      Object[] elements = new Object[readSize(input)];
      boolean nulls = false;
      for (int i = 0; i < elements.length; i++) {
        elements[i] = kryo.readClassAndObject(input);
        nulls |= elements[i] == null;
      }
      return nulls ? Collections.unmodifiableList(Arrays.asList(elements)) : List.of(elements);
    }
  }

  /** Any {@link Set}; read back unmodifiable, in the order it was written. */
  static final class SetSerializer extends Serializer<Set<?>> {
    SetSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Set<?> set) {
      output.writeVarInt(set.size(), true);
      for (Object element : set) kryo.writeClassAndObject(output, element);
    }

    @Override
    public Set<?> read(Kryo kryo, Input input, Class<? extends Set<?>> type) {
      int size = readSize(input);
      Set<Object> set = new LinkedHashSet<>(capacity(size));
      for (int i = 0; i < size; i++) set.add(kryo.readClassAndObject(input));
      return Collections.unmodifiableSet(set);
    }
  }

  /** Any {@link Map}; read back unmodifiable, in the order it was written. */
  static final class MapSerializer extends Serializer<Map<?, ?>> {
    MapSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Map<?, ?> map) {
      output.writeVarInt(map.size(), true);
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        kryo.writeClassAndObject(output, entry.getKey());
        kryo.writeClassAndObject(output, entry.getValue());
      }
    }

    @Override
    public Map<?, ?> read(Kryo kryo, Input input, Class<? extends Map<?, ?>> type) {
      int size = readSize(input);
      Map<Object, Object> map = new LinkedHashMap<>(capacity(size));
      for (int i = 0; i < size; i++) map.put(kryo.readClassAndObject(input), kryo.readClassAndObject(input));
      return Collections.unmodifiableMap(map);
    }
  }

  /**
   * Any typed {@link ActorRef}, as {@link ActorRefResolver#toSerializationFormat}; resolved against
   * this node's system on read, so the ref delivers to the same actor wherever it lands.
   */
  static final class TypedActorRefSerializer extends Serializer<ActorRef<?>> {
    private final ExtendedActorSystem system;
    private volatile ActorRefResolver resolver;

    TypedActorRefSerializer(ExtendedActorSystem system) {
      super(false, true);
      this.system = system;
    }

    // Looked up on first use: serializers are created while the Serialization extension starts.
    private ActorRefResolver resolver() {
      ActorRefResolver r = resolver;
      if (r == null) {
        r = ActorRefResolver.get(Adapter.toTyped(system));
        resolver = r;
      }
      return r;
    }

    @Override
    public void write(Kryo kryo, Output output, ActorRef<?> ref) {
      output.writeString(resolver().toSerializationFormat(ref));
    }

    @Override
    public ActorRef<?> read(Kryo kryo, Input input, Class<? extends ActorRef<?>> type) {
      return resolver().resolveActorRef(input.readString());
    }
  }

  /** Any classic {@link org.apache.pekko.actor.ActorRef}, as {@link Serialization#serializedActorPath}. */
  static final class ClassicActorRefSerializer extends Serializer<org.apache.pekko.actor.ActorRef> {
    private final ExtendedActorSystem system;

    ClassicActorRefSerializer(ExtendedActorSystem system) {
      super(false, true);
      this.system = system;
    }

    @Override
    public void write(Kryo kryo, Output output, org.apache.pekko.actor.ActorRef ref) {
      output.writeString(Serialization.serializedActorPath(ref));
    }

    @Override
    public org.apache.pekko.actor.ActorRef read(
        Kryo kryo, Input input, Class<? extends org.apache.pekko.actor.ActorRef> type) {
      return system.provider().resolveActorRef(input.readString());
    }
  }

  /** A collection size, checked against the bytes left: every element takes at least one byte. */
  private static int readSize(Input input) {
    int size = input.readVarInt(true);
    if (size < 0) throw new KryoException("negative collection size " + size);
    TensorKryoSerializer.requireRemaining(input, size, "collection of " + size + " elements");
    return size;
  }

  private static int capacity(int size) {
    return size < 3 ? size + 1 : (int) (size / 0.75f) + 1;
  }
}
