package io.turnout.node.http.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.turnout.protocol.DataType;
import io.turnout.protocol.Tensor;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Reads one tensor from JSON, a scalar or nested lists, straight off the parser into a growable
 * primitive array: no tree, no boxing. The shape comes from the nesting; the first list to close at
 * each depth fixes that dimension, and every later list at the same depth must match it.
 *
 * <p>In row mode the reader collects one row per {@link #read} call (TF Serving's {@code instances}),
 * the rows forming the first dimension. Errors name the offending element, e.g.
 * {@code instances[3] has 3 elements, expected 4}.
 */
final class TensorJsonReader {
  private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
  private static final int DEFAULT_CAPACITY = 16;

  private final DataType type;
  private final Dialect dialect;
  private final String inputName;
  private final String location;
  private final String rowField;
  private final boolean rowMode;

  /** Depth of the scalars, once the first one is seen; -1 before. */
  private int rank = -1;
  /** Deepest depth at which a list opened, so that a later scalar found higher up is caught. */
  private int deepestList = -1;
  /** Size of the lists at each depth, -1 until the first list at that depth closes. */
  private long[] dims = new long[] {-1, -1, -1, -1};
  /** Index of the element being read inside the open list at each depth. */
  private int[] position = new int[4];
  private int rows;

  private float[] floats;
  private double[] doubles;
  private int[] ints;
  private long[] longs;
  private boolean[] booleans;
  private byte[][] strings;
  private int size;

  private TensorJsonReader(DataType type, Dialect dialect, String inputName, String location, String rowField,
      boolean rowMode, int capacity) {
    this.type = type;
    this.dialect = dialect;
    this.inputName = inputName;
    this.location = location;
    this.rowField = rowField;
    this.rowMode = rowMode;
    switch (type) {
      case FP32 -> floats = new float[capacity];
      case FP64 -> doubles = new double[capacity];
      case INT32 -> ints = new int[capacity];
      case INT64 -> longs = new long[capacity];
      case BOOL -> booleans = new boolean[capacity];
      case BYTES -> strings = new byte[capacity][];
    }
  }

  /**
   * A reader for one whole tensor found at {@code location} (e.g. {@code inputs.x}).
   *
   * @param inputName the input's name for messages, or null when not known yet
   */
  static TensorJsonReader ofValue(DataType type, Dialect dialect, String inputName, String location) {
    return new TensorJsonReader(type, dialect, inputName, location, null, false, DEFAULT_CAPACITY);
  }

  /**
   * Like {@link #ofValue(DataType, Dialect, String, String)}, sized for {@code expectedSize} elements
   * so that a request that declares its shape is read without growing or trimming the array.
   */
  static TensorJsonReader ofValue(DataType type, Dialect dialect, String inputName, String location, int expectedSize) {
    return new TensorJsonReader(type, dialect, inputName, location, null, false, expectedSize);
  }

  /**
   * A reader that takes one row per {@link #read} call, the rows found at {@code location[i]}, or at
   * {@code location[i].rowField} when each row is an object naming its inputs.
   */
  static TensorJsonReader ofRows(
      DataType type, Dialect dialect, String inputName, String location, String rowField) {
    return new TensorJsonReader(type, dialect, inputName, location, rowField, true, DEFAULT_CAPACITY);
  }

  /** Reads the value that starts at the parser's current token: the whole tensor, or one more row. */
  void read(JsonParser p) throws IOException {
    value(p, p.currentToken(), rowMode ? 1 : 0);
    if (rowMode) rows++;
  }

  /**
   * Reads a {@code {"b64": "..."}} scalar whose opening brace and key the caller already consumed
   * while telling it apart from an object that names inputs.
   */
  void readOpenedBase64(JsonParser p) throws IOException {
    int depth = rowMode ? 1 : 0;
    scalarAt(depth);
    if (type != DataType.BYTES) throw wrongType(depth, "an object");
    base64Rest(p, depth);
    if (rowMode) rows++;
  }

  /** Rows read so far in row mode. */
  int rows() {
    return rows;
  }

  /** Nesting depth of the value read: 0 for a scalar, 1 for a flat list (rows count as a level). */
  int rank() {
    int r = rank >= 0 ? rank : deepestList + 1;
    return rowMode ? Math.max(r, 1) : r;
  }

  long[] shape() {
    int r = rank();
    long[] shape = new long[r];
    for (int d = 0; d < r; d++) shape[d] = rowMode && d == 0 ? rows : dims[d];
    return shape;
  }

  int size() {
    return size;
  }

  Tensor toTensor() {
    return Tensor.of(type, shape(), data());
  }

  /** The elements read, under a shape declared elsewhere that holds exactly {@link #size()} of them. */
  Tensor toTensor(long[] declaredShape) {
    return Tensor.of(type, declaredShape, data());
  }

  private Object data() {
    return switch (type) {
      case FP32 -> floats.length == size ? floats : Arrays.copyOf(floats, size);
      case FP64 -> doubles.length == size ? doubles : Arrays.copyOf(doubles, size);
      case INT32 -> ints.length == size ? ints : Arrays.copyOf(ints, size);
      case INT64 -> longs.length == size ? longs : Arrays.copyOf(longs, size);
      case BOOL -> booleans.length == size ? booleans : Arrays.copyOf(booleans, size);
      case BYTES -> strings.length == size ? strings : Arrays.copyOf(strings, size);
    };
  }

  private void value(JsonParser p, JsonToken token, int depth) throws IOException {
    if (token == JsonToken.START_ARRAY) {
      list(p, depth);
    } else {
      scalarAt(depth);
      scalar(p, token, depth);
    }
  }

  private void list(JsonParser p, int depth) throws IOException {
    if (rank >= 0 && depth >= rank) {
      throw at(depth, "is a list where a scalar is expected: all elements must be nested equally deep");
    }
    if (depth >= dims.length) {
      int known = dims.length;
      dims = Arrays.copyOf(dims, known * 2);
      Arrays.fill(dims, known, dims.length, -1);
      position = Arrays.copyOf(position, position.length * 2);
    }
    deepestList = Math.max(deepestList, depth);
    position[depth] = 0;
    for (JsonToken token = p.nextToken(); token != JsonToken.END_ARRAY; token = p.nextToken()) {
      value(p, token, depth + 1);
      position[depth]++;
    }
    int count = position[depth];
    if (dims[depth] < 0) {
      dims[depth] = count;
    } else if (dims[depth] != count) {
      throw at(depth, "has " + count + " elements, expected " + dims[depth]);
    }
  }

  private void scalarAt(int depth) {
    if (rank < 0) {
      if (deepestList >= depth) {
        throw at(depth, "is a scalar where a list is expected: all elements must be nested equally deep");
      }
      rank = depth;
    } else if (depth != rank) {
      throw at(depth, "is a scalar where a list is expected: all elements must be nested equally deep");
    }
  }

  private void scalar(JsonParser p, JsonToken token, int depth) throws IOException {
    switch (type) {
      case FP32 -> addFloat(readFloat(p, token, depth));
      case FP64 -> addDouble(readDouble(p, token, depth));
      case INT32 -> addInt((int) readInteger(p, token, depth, Integer.MIN_VALUE, Integer.MAX_VALUE));
      case INT64 -> addLong(readInteger(p, token, depth, Long.MIN_VALUE, Long.MAX_VALUE));
      case BOOL -> {
        if (token == JsonToken.VALUE_TRUE) addBoolean(true);
        else if (token == JsonToken.VALUE_FALSE) addBoolean(false);
        else throw wrongType(depth, JsonIo.describe(p));
      }
      case BYTES -> {
        if (token == JsonToken.VALUE_STRING) {
          addBytes(p.getText().getBytes(StandardCharsets.UTF_8));
        } else if (token == JsonToken.START_OBJECT && dialect.base64Objects()) {
          if (p.nextToken() != JsonToken.FIELD_NAME || !"b64".equals(p.currentName())) {
            throw at(depth, "must be a string or {\"b64\": \"<base64>\"}, got an object without \"b64\"");
          }
          base64Rest(p, depth);
        } else {
          throw wrongType(depth, JsonIo.describe(p));
        }
      }
    }
  }

  private float readFloat(JsonParser p, JsonToken token, int depth) throws IOException {
    if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
      // getFloatValue parses the text as a float directly; going through double could round twice.
      float value = p.getFloatValue();
      if (Float.isInfinite(value) && !p.isNaN()) throw outOfRange(p, depth);
      return value;
    }
    return (float) nonFiniteString(p, token, depth);
  }

  private double readDouble(JsonParser p, JsonToken token, int depth) throws IOException {
    if (token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) {
      double value = p.getDoubleValue();
      if (Double.isInfinite(value) && !p.isNaN()) throw outOfRange(p, depth);
      return value;
    }
    return nonFiniteString(p, token, depth);
  }

  /** V2 JSON is strict, so NaN and the infinities travel as strings there (our replies write them so). */
  private double nonFiniteString(JsonParser p, JsonToken token, int depth) throws IOException {
    if (token == JsonToken.VALUE_STRING && dialect.nonFiniteAsStrings()) {
      switch (p.getText()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw wrongType(depth, JsonIo.describe(p));
  }

  private long readInteger(JsonParser p, JsonToken token, int depth, long min, long max) throws IOException {
    long value;
    if (token == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) throw outOfRange(p, depth);
      value = p.getLongValue();
    } else if (token == JsonToken.VALUE_NUMBER_FLOAT) {
      // 2.0 or 1e3 are whole numbers written as decimals and accepted; 2.5 is refused. The double
      // check first keeps 1e999999 from being expanded into a huge BigDecimal.
      if (p.isNaN()) throw notInteger(p, depth);
      if (!(Math.abs(p.getDoubleValue()) < 0x1p63)) throw outOfRange(p, depth);
      try {
        value = p.getDecimalValue().longValueExact();
      } catch (ArithmeticException e) {
        throw notInteger(p, depth);
      }
    } else {
      throw wrongType(depth, JsonIo.describe(p));
    }
    if (value < min || value > max) throw outOfRange(p, depth);
    return value;
  }

  /** After the {@code "b64"} key: its string value, then the end of the object. */
  private void base64Rest(JsonParser p, int depth) throws IOException {
    if (p.nextToken() != JsonToken.VALUE_STRING) {
      throw at(depth, "has a \"b64\" key whose value is " + JsonIo.describe(p) + ", expected a base64 string");
    }
    byte[] decoded;
    try {
      decoded = Base64.getDecoder().decode(p.getText());
    } catch (IllegalArgumentException e) {
      throw at(depth, "is not valid base64: " + e.getMessage());
    }
    if (p.nextToken() != JsonToken.END_OBJECT) {
      throw at(depth, "must hold only the \"b64\" key, found \"" + p.currentName() + "\" too");
    }
    addBytes(decoded);
  }

  private InvalidInputException wrongType(int depth, String actual) {
    String expected = switch (type) {
      case FP32, FP64 -> "a number";
      case INT32, INT64 -> "an integer";
      case BOOL -> "true or false";
      case BYTES -> dialect.base64Objects() ? "a string or {\"b64\": \"<base64>\"}" : "a string";
    };
    return at(depth, "must be " + expected + " for " + about() + ", got " + actual);
  }

  private InvalidInputException outOfRange(JsonParser p, int depth) throws IOException {
    return at(depth, "is " + JsonIo.describe(p) + ", out of range for " + about());
  }

  private InvalidInputException notInteger(JsonParser p, int depth) throws IOException {
    return at(depth, "is " + JsonIo.describe(p) + ", but " + about() + " takes whole numbers only");
  }

  private String about() {
    String typeName = dialect.typeName(type);
    return inputName == null ? typeName : typeName + " input '" + inputName + "'";
  }

  /** An error about the element (or list) at {@code depth}, named by its path. */
  private InvalidInputException at(int depth, String problem) {
    StringBuilder where = new StringBuilder(location);
    int from = 0;
    if (rowMode) {
      where.append('[').append(rows).append(']');
      if (rowField != null) where.append('.').append(rowField);
      from = 1;
    }
    for (int d = from; d < depth; d++) where.append('[').append(position[d]).append(']');
    return new InvalidInputException(where.append(' ').append(problem).toString());
  }

  private int grow(int length) {
    if (length >= MAX_ELEMENTS) throw new InvalidInputException(location + " holds too many elements");
    return (int) Math.min(MAX_ELEMENTS, Math.max(DEFAULT_CAPACITY, length * 2L));
  }

  private void addFloat(float value) {
    if (size == floats.length) floats = Arrays.copyOf(floats, grow(size));
    floats[size++] = value;
  }

  private void addDouble(double value) {
    if (size == doubles.length) doubles = Arrays.copyOf(doubles, grow(size));
    doubles[size++] = value;
  }

  private void addInt(int value) {
    if (size == ints.length) ints = Arrays.copyOf(ints, grow(size));
    ints[size++] = value;
  }

  private void addLong(long value) {
    if (size == longs.length) longs = Arrays.copyOf(longs, grow(size));
    longs[size++] = value;
  }

  private void addBoolean(boolean value) {
    if (size == booleans.length) booleans = Arrays.copyOf(booleans, grow(size));
    booleans[size++] = value;
  }

  private void addBytes(byte[] value) {
    if (size == strings.length) strings = Arrays.copyOf(strings, grow(size));
    strings[size++] = value;
  }
}
