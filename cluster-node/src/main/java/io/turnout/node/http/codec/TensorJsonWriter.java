package io.turnout.node.http.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import io.turnout.protocol.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Writes tensor elements, nested by shape or flat, straight from the primitive arrays. */
final class TensorJsonWriter {
  private TensorJsonWriter() {}

  /** How BYTES elements are written. */
  enum Bytes {
    /** TF Serving: a string when the bytes are valid UTF-8, else {@code {"b64": ...}}. */
    TEXT_OR_BASE64,
    /** TF Serving, for outputs named {@code *_bytes}: always {@code {"b64": ...}}. */
    BASE64,
    /**
     * V2: always a string. V2 JSON has no escape for binary data, so bytes that are not UTF-8 come out
     * with U+FFFD replacement characters.
     */
    TEXT
  }

  /** Writes the sub-tensor of dimensions {@code dim..} starting at element {@code offset}, nested. */
  static void writeNested(JsonGenerator g, Tensor tensor, int dim, int offset, Bytes bytes) throws IOException {
    nested(g, tensor, tensor.shape(), dim, offset, bytes);
  }

  /** Writes all elements as one flat list, in row-major order. */
  static void writeFlat(JsonGenerator g, Tensor tensor, Bytes bytes) throws IOException {
    g.writeStartArray();
    elements(g, tensor, 0, tensor.elementCount(), bytes);
    g.writeEndArray();
  }

  /** Number of elements in one row: the product of all dimensions but the first. */
  static int rowSize(Tensor tensor) {
    long size = 1;
    long[] shape = tensor.shape();
    for (int d = 1; d < shape.length; d++) size *= shape[d];
    return (int) size;
  }

  private static int nested(JsonGenerator g, Tensor tensor, long[] shape, int dim, int offset, Bytes bytes)
      throws IOException {
    if (dim == shape.length) {
      elements(g, tensor, offset, 1, bytes);
      return offset + 1;
    }
    g.writeStartArray();
    int next = offset;
    if (dim == shape.length - 1) {
      elements(g, tensor, offset, (int) shape[dim], bytes);
      next += (int) shape[dim];
    } else {
      for (long i = 0; i < shape[dim]; i++) next = nested(g, tensor, shape, dim + 1, next, bytes);
    }
    g.writeEndArray();
    return next;
  }

  private static void elements(JsonGenerator g, Tensor tensor, int from, int count, Bytes bytes)
      throws IOException {
    int to = from + count;
    switch (tensor.dataType()) {
      case FP32 -> {
        float[] values = tensor.floats();
        for (int i = from; i < to; i++) g.writeNumber(values[i]);
      }
      case FP64 -> {
        double[] values = tensor.doubles();
        for (int i = from; i < to; i++) g.writeNumber(values[i]);
      }
      case INT32 -> {
        int[] values = tensor.ints();
        for (int i = from; i < to; i++) g.writeNumber(values[i]);
      }
      case INT64 -> {
        long[] values = tensor.longs();
        for (int i = from; i < to; i++) g.writeNumber(values[i]);
      }
      case BOOL -> {
        boolean[] values = tensor.booleans();
        for (int i = from; i < to; i++) g.writeBoolean(values[i]);
      }
      case BYTES -> {
        byte[][] values = tensor.bytes();
        for (int i = from; i < to; i++) writeBytes(g, values[i], bytes);
      }
    }
  }

  private static void writeBytes(JsonGenerator g, byte[] value, Bytes style) throws IOException {
    if (style != Bytes.BASE64 && isUtf8(value)) {
      g.writeUTF8String(value, 0, value.length); // escapes as needed, no String in between
    } else if (style == Bytes.TEXT) {
      g.writeString(new String(value, StandardCharsets.UTF_8));
    } else {
      g.writeStartObject();
      g.writeStringField("b64", Base64.getEncoder().encodeToString(value));
      g.writeEndObject();
    }
  }

  /** Whether {@code bytes} are well-formed UTF-8: no overlong forms, surrogates or code points past U+10FFFF. */
  static boolean isUtf8(byte[] bytes) {
    int i = 0;
    while (i < bytes.length) {
      int lead = bytes[i] & 0xFF;
      if (lead < 0x80) {
        i++;
        continue;
      }
      int length;
      if (lead >= 0xC2 && lead <= 0xDF) length = 2;
      else if (lead >= 0xE0 && lead <= 0xEF) length = 3;
      else if (lead >= 0xF0 && lead <= 0xF4) length = 4;
      else return false;
      if (i + length > bytes.length) return false;
      int second = bytes[i + 1] & 0xFF;
      if ((lead == 0xE0 && second < 0xA0) // overlong
          || (lead == 0xED && second > 0x9F) // surrogate
          || (lead == 0xF0 && second < 0x90) // overlong
          || (lead == 0xF4 && second > 0x8F)) { // past U+10FFFF
        return false;
      }
      for (int k = 1; k < length; k++) {
        if ((bytes[i + k] & 0xC0) != 0x80) return false;
      }
      i += length;
    }
    return true;
  }
}
