package io.turnout.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense tensor: element type, shape and the elements in row-major order, held in one primitive
 * array of the matching Java type (float[] for FP32, double[] for FP64, int[] for INT32, long[] for
 * INT64, boolean[] for BOOL, byte[][] for BYTES).
 *
 * <p>Arrays are taken and handed out without copying because tensors sit on the prediction hot
 * path; treat them as read-only once a tensor is built. Equality compares contents, so that a
 * tensor that went through the wire equals the one that was sent.
 */
public final class Tensor {
  private final DataType dataType;
  private final long[] shape;
  private final Object data;

  private Tensor(DataType dataType, long[] shape, Object data) {
    this.dataType = Objects.requireNonNull(dataType, "dataType");
    this.shape = Objects.requireNonNull(shape, "shape");
    this.data = Objects.requireNonNull(data, "data");
    long expected = elementCount(shape);
    if (expected != length(data)) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " holds " + expected + " elements, data has " + length(data));
    }
  }

  public static Tensor ofFloats(long[] shape, float[] data) {
    return new Tensor(DataType.FP32, shape, data);
  }

  public static Tensor ofDoubles(long[] shape, double[] data) {
    return new Tensor(DataType.FP64, shape, data);
  }

  public static Tensor ofInts(long[] shape, int[] data) {
    return new Tensor(DataType.INT32, shape, data);
  }

  public static Tensor ofLongs(long[] shape, long[] data) {
    return new Tensor(DataType.INT64, shape, data);
  }

  public static Tensor ofBooleans(long[] shape, boolean[] data) {
    return new Tensor(DataType.BOOL, shape, data);
  }

  public static Tensor ofBytes(long[] shape, byte[][] data) {
    return new Tensor(DataType.BYTES, shape, data);
  }

  /** Builds a tensor from an array whose Java type must match {@code dataType}. */
  public static Tensor of(DataType dataType, long[] shape, Object data) {
    Class<?> expected = arrayClass(dataType);
    if (!expected.isInstance(data)) {
      throw new IllegalArgumentException(dataType + " needs " + expected.getSimpleName() + " data, got "
          + (data == null ? "null" : data.getClass().getSimpleName()));
    }
    return new Tensor(dataType, shape, data);
  }

  /** A zero-filled array of {@code length} elements for {@code dataType} (empty byte strings for BYTES). */
  public static Object allocate(DataType dataType, int length) {
    return switch (dataType) {
      case FP32 -> new float[length];
      case FP64 -> new double[length];
      case INT32 -> new int[length];
      case INT64 -> new long[length];
      case BOOL -> new boolean[length];
      case BYTES -> {
        byte[][] strings = new byte[length][];
        Arrays.fill(strings, new byte[0]);
        yield strings;
      }
    };
  }

  public static Class<?> arrayClass(DataType dataType) {
    return switch (dataType) {
      case FP32 -> float[].class;
      case FP64 -> double[].class;
      case INT32 -> int[].class;
      case INT64 -> long[].class;
      case BOOL -> boolean[].class;
      case BYTES -> byte[][].class;
    };
  }

  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
      count = Math.multiplyExact(count, dim);
    }
    return count;
  }

  private static int length(Object data) {
    if (data instanceof float[] a) return a.length;
    if (data instanceof double[] a) return a.length;
    if (data instanceof int[] a) return a.length;
    if (data instanceof long[] a) return a.length;
    if (data instanceof boolean[] a) return a.length;
    if (data instanceof byte[][] a) return a.length;
    throw new IllegalArgumentException("unsupported tensor data " + data.getClass());
  }

  public DataType dataType() {
    return dataType;
  }

  /** The shape; do not modify. */
  public long[] shape() {
    return shape;
  }

  public int rank() {
    return shape.length;
  }

  /** Size of the first (batch) dimension, or 1 for a scalar. */
  public long batchSize() {
    return shape.length == 0 ? 1 : shape[0];
  }

  public int elementCount() {
    return length(data);
  }

  /** The elements as the primitive array of this tensor's type; do not modify. */
  public Object data() {
    return data;
  }

  public float[] floats() {
    return (float[]) expect(DataType.FP32);
  }

  public double[] doubles() {
    return (double[]) expect(DataType.FP64);
  }

  public int[] ints() {
    return (int[]) expect(DataType.INT32);
  }

  public long[] longs() {
    return (long[]) expect(DataType.INT64);
  }

  public boolean[] booleans() {
    return (boolean[]) expect(DataType.BOOL);
  }

  public byte[][] bytes() {
    return (byte[][]) expect(DataType.BYTES);
  }

  /** Element {@code i} widened to double, for the numeric types (BOOL as 0/1). */
  public double numberAt(int i) {
    return switch (dataType) {
      case FP32 -> ((float[]) data)[i];
      case FP64 -> ((double[]) data)[i];
      case INT32 -> ((int[]) data)[i];
      case INT64 -> ((long[]) data)[i];
      case BOOL -> ((boolean[]) data)[i] ? 1 : 0;
      case BYTES -> throw new IllegalStateException("BYTES tensor has no numeric elements");
    };
  }

  private Object expect(DataType wanted) {
    if (dataType != wanted) throw new IllegalStateException("tensor is " + dataType + ", not " + wanted);
    return data;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) return true;
    if (!(o instanceof Tensor other)) return false;
    return dataType == other.dataType
        && Arrays.equals(shape, other.shape)
        && Arrays.deepEquals(new Object[] {data}, new Object[] {other.data});
  }

  @Override
  public int hashCode() {
    return 31 * (31 * dataType.hashCode() + Arrays.hashCode(shape)) + Arrays.deepHashCode(new Object[] {data});
  }

  @Override
  public String toString() {
    return "Tensor[" + dataType + " " + Arrays.toString(shape) + "]";
  }
}
