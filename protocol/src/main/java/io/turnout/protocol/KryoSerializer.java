package io.turnout.protocol;

import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import io.turnout.protocol.KryoRegistrations.TurnoutKryo;
import java.util.BitSet;
import java.util.StringJoiner;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.JSerializer;

/**
 * Pekko serializer for every {@link ClusterMessage}, over Kryo 5 with a fixed class table.
 *
 * <p>Classes travel as small ids from {@code turnout.serialization.kryo.registrations}; a class
 * missing from the table fails on write with a message naming the class and the config key (see
 * {@link KryoRegistrations} for the id ranges). References are off: messages are trees.
 *
 * <p>Wire form: the Kryo body ({@code writeClassAndObject}) followed by a 4-byte hash of the
 * schemas of the registrations that body used. A node whose table differs for any of them (other
 * class on the id, changed record components or enum constants) rejects the bytes with an
 * exception instead of handing on a mis-decoded message.
 *
 * <p>Kryo instances are not thread-safe; each call borrows one, with its output buffer, from a
 * {@link Pool}.
 */
public final class KryoSerializer extends JSerializer {
  /**
   * Pekko serializer id, written next to every serialized message and persisted event; never
   * change it. Pekko reserves 0–40; this is "TRNT" in ASCII.
   */
  public static final int IDENTIFIER = 0x54524E54;
  /** Name under {@code pekko.actor.serializers}. */
  public static final String NAME = "turnout-kryo";

  private static final int TRAILER_BYTES = 4;
  private static final int INITIAL_BUFFER = 4 * 1024;
  private static final int MAX_RETAINED_BUFFER = 1024 * 1024;
  private static final int MAX_POOLED = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

  private final Pool<Codec> pool;

  public KryoSerializer(ExtendedActorSystem system) {
    KryoRegistrations registrations =
        KryoRegistrations.fromConfig(system.settings().config(), system.dynamicAccess().classLoader());
    // Build one Kryo now, so that a bad table fails when the system starts, not on the first message.
    TurnoutKryo first = registrations.newKryo(system);
    long[] schemaHashes = registrations.schemaHashes(first);
    this.pool = new Pool<>(true, false, MAX_POOLED) {
      @Override
      protected Codec create() {
        return new Codec(registrations.newKryo(system), schemaHashes);
      }
    };
    pool.free(new Codec(first, schemaHashes));
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object message) {
    Codec codec = pool.obtain();
    try {
      return codec.write(message);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          NAME + " cannot serialize " + message.getClass().getName() + ": " + e.getMessage(), e);
    } finally {
      pool.free(codec);
    }
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    Codec codec = pool.obtain();
    Object message;
    try {
      message = codec.read(bytes);
    } finally {
      pool.free(codec);
    }
    if (manifest != null && !manifest.isInstance(message)) {
      throw new IllegalArgumentException(
          NAME + " read a " + message.getClass().getName() + " where a " + manifest.getName() + " was expected");
    }
    return message;
  }

  /** One Kryo and its output buffer, used by one thread at a time. */
  private static final class Codec {
    private final TurnoutKryo kryo;
    private final long[] schemaHashes;
    private final Output output = new Output(INITIAL_BUFFER, -1);

    Codec(TurnoutKryo kryo, long[] schemaHashes) {
      this.kryo = kryo;
      this.schemaHashes = schemaHashes;
    }

    byte[] write(Object message) {
      output.reset();
      kryo.resolver().startMessage();
      kryo.writeClassAndObject(output, message);
      output.writeInt(KryoRegistrations.messageHash(schemaHashes, kryo.resolver().used()));
      byte[] bytes = output.toBytes();
      if (output.getBuffer().length > MAX_RETAINED_BUFFER) output.setBuffer(new byte[INITIAL_BUFFER], -1);
      return bytes;
    }

    Object read(byte[] bytes) {
      if (bytes.length <= TRAILER_BYTES) {
        throw new IllegalArgumentException(NAME + " cannot read " + bytes.length + " bytes: too short for a message");
      }
      int bodyLength = bytes.length - TRAILER_BYTES;
      Input input = new Input(bytes, 0, bodyLength);
      kryo.resolver().startMessage();
      Object message;
      try {
        message = kryo.readClassAndObject(input);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(NAME + " cannot read a message of " + bytes.length
            + " bytes (do sender and receiver run the same " + KryoRegistrations.REGISTRATIONS_PATH + "?): "
            + e.getMessage(), e);
      }
      if (input.position() != bodyLength) {
        throw new IllegalArgumentException(NAME + " read a " + className(message) + " from " + input.position()
            + " of " + bodyLength + " bytes; the rest was not understood (different registrations?)");
      }
      input.setLimit(bytes.length);
      int expected = input.readInt();
      BitSet used = kryo.resolver().used();
      if (expected != KryoRegistrations.messageHash(schemaHashes, used)) {
        throw new IllegalArgumentException(NAME + " rejects a message of " + bytes.length + " bytes: the sender's "
            + KryoRegistrations.REGISTRATIONS_PATH + " differ from this node's for some of " + describe(used)
            + " (another class on an id, or changed record components or enum constants)");
      }
      return message;
    }

    private String describe(BitSet used) {
      StringJoiner text = new StringJoiner(", ", "[", "]");
      for (int id = used.nextSetBit(0); id >= 0; id = used.nextSetBit(id + 1)) {
        text.add(id + "=" + kryo.getRegistration(id).getType().getName());
      }
      return text.toString();
    }

    private static String className(Object message) {
      return message == null ? "null" : message.getClass().getName();
    }
  }
}
