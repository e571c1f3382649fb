package io.turnout.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * Kryo wire form of a {@link Tensor}: dtype ordinal, rank, dimensions (varlongs), then the elements
 * straight from the primitive array, without boxing and without a length (the shape gives it).
 * Numbers are fixed-width little-endian as Kryo's bulk writers lay them out (NaN payloads are
 * canonicalised); BOOL is packed eight to a byte; each BYTES element is a varint {@code length + 1}
 * ({@code 0} for a null element) and its bytes.
 *
 * <p>Registered for {@link Tensor} in this module's {@code reference.conf}. Changing the layout
 * means changing {@link KryoRegistrations#FORMAT_VERSION}, which makes mixed nodes fail loudly.
 */
public final class TensorKryoSerializer extends Serializer<Tensor> {
  private static final DataType[] TYPES = DataType.values();

  public TensorKryoSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, Tensor tensor) {
    output.writeVarInt(tensor.dataType().ordinal(), true);
    long[] shape = tensor.shape();
    output.writeVarInt(shape.length, true);
    for (long dim : shape) output.writeVarLong(dim, true);
    int count = tensor.elementCount();
    switch (tensor.dataType()) {
      case FP32 -> output.writeFloats(tensor.floats(), 0, count);
      case FP64 -> output.writeDoubles(tensor.doubles(), 0, count);
      case INT32 -> output.writeInts(tensor.ints(), 0, count);
      case INT64 -> output.writeLongs(tensor.longs(), 0, count);
      case BOOL -> writePackedBooleans(output, tensor.booleans());
      case BYTES -> {
        for (byte[] element : tensor.bytes()) {
          if (element == null) {
            output.writeVarInt(0, true);
          } else {
            output.writeVarInt(element.length + 1, true);
            output.writeBytes(element);
          }
        }
      }
    }
  }

  @Override
  public Tensor read(Kryo kryo, Input input, Class<? extends Tensor> type) {
    int ordinal = input.readVarInt(true);
    if (ordinal < 0 || ordinal >= TYPES.length) throw new KryoException("unknown tensor data type ordinal " + ordinal);
    DataType dataType = TYPES[ordinal];
    int rank = input.readVarInt(true);
    requireRemaining(input, rank, "rank " + rank);
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) shape[i] = input.readVarLong(true);
    long elements;
    try {
      elements = Tensor.elementCount(shape);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new KryoException("invalid tensor shape: " + e.getMessage(), e);
    }
    if (elements > Integer.MAX_VALUE - 8) throw new KryoException("tensor too large: " + elements + " elements");
    int count = (int) elements;
    Object data = switch (dataType) {
      case FP32 -> {
        requireRemaining(input, 4L * count, dataType + " data");
        yield input.readFloats(count);
      }
      case FP64 -> {
        requireRemaining(input, 8L * count, dataType + " data");
        yield input.readDoubles(count);
      }
      case INT32 -> {
        requireRemaining(input, 4L * count, dataType + " data");
        yield input.readInts(count);
      }
      case INT64 -> {
        requireRemaining(input, 8L * count, dataType + " data");
        yield input.readLongs(count);
      }
      case BOOL -> {
        requireRemaining(input, (count + 7L) / 8, dataType + " data");
        yield readPackedBooleans(input, count);
      }
      case BYTES -> {
        requireRemaining(input, count, dataType + " data");
        byte[][] strings = new byte[count][];
        for (int i = 0; i < count; i++) {
          int lengthPlusOne = input.readVarInt(true);
          if (lengthPlusOne != 0) {
            requireRemaining(input, lengthPlusOne - 1L, "BYTES element");
            strings[i] = input.readBytes(lengthPlusOne - 1);
          }
        }
        yield strings;
      }
    };
    return Tensor.of(dataType, shape, data);
  }

  private static void writePackedBooleans(Output output, boolean[] values) {
    int bits = 0;
    for (int i = 0; i < values.length; i++) {
      if (values[i]) bits |= 1 << (i & 7);
      if ((i & 7) == 7) {
        output.writeByte(bits);
        bits = 0;
      }
    }
    if ((values.length & 7) != 0) output.writeByte(bits);
  }

  private static boolean[] readPackedBooleans(Input input, int count) {
    boolean[] values = new boolean[count];
    int bits = 0;
    for (int i = 0; i < count; i++) {
      if ((i & 7) == 0) bits = input.readByte();
      values[i] = (bits & (1 << (i & 7))) != 0;
    }
    return values;
  }

  /**
   * Refuses to allocate for more data than the message holds, so corrupt or foreign bytes fail
   * with an exception instead of an OutOfMemoryError. Only byte-array inputs know their size,
   * which is what {@link KryoSerializer} reads from.
   */
  static void requireRemaining(Input input, long bytes, String what) {
    if (input.getInputStream() == null && bytes > input.limit() - input.position()) {
      throw new KryoException(what + " needs " + bytes + " bytes, only " + (input.limit() - input.position()) + " left");
    }
  }
}
