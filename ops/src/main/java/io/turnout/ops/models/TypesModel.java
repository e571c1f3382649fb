package io.turnout.ops.models;

import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * A test model with one input and one output per dtype the node supports, plus a second
 * signature, so codecs and signature selection can be checked end to end.
 *
 * <p>{@code serving_default}: {@code y_fp32 = x_fp32 * 2}, {@code y_fp64 = x_fp64 * 2},
 * {@code y_int32 = x_int32 + 1}, {@code y_int64 = x_int64 + 1}, {@code y_bool = !x_bool}, all
 * [-1,2]; {@code y_bytes = x_bytes}, [-1]. {@code sum}: {@code total = row sums of a}, float32
 * [-1,3] to [-1].
 */
public final class TypesModel {

  public static final String SUM_SIGNATURE = "sum";

  private TypesModel() {}

  public static void export(Path versionDir) throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> xFp32 = input(tf, "x_fp32", TFloat32.class, Shape.of(-1, 2));
      Placeholder<TFloat64> xFp64 = input(tf, "x_fp64", TFloat64.class, Shape.of(-1, 2));
      Placeholder<TInt32> xInt32 = input(tf, "x_int32", TInt32.class, Shape.of(-1, 2));
      Placeholder<TInt64> xInt64 = input(tf, "x_int64", TInt64.class, Shape.of(-1, 2));
      Placeholder<TBool> xBool = input(tf, "x_bool", TBool.class, Shape.of(-1, 2));
      Placeholder<TString> xBytes = input(tf, "x_bytes", TString.class, Shape.of(-1));
      Operand<TFloat32> yFp32 = tf.withName("y_fp32").math.mul(xFp32, tf.constant(2f));
      Operand<TFloat64> yFp64 = tf.withName("y_fp64").math.mul(xFp64, tf.constant(2d));
      Operand<TInt32> yInt32 = tf.withName("y_int32").math.add(xInt32, tf.constant(1));
      Operand<TInt64> yInt64 = tf.withName("y_int64").math.add(xInt64, tf.constant(1L));
      Operand<TBool> yBool = tf.withName("y_bool").math.logicalNot(xBool);
      Operand<TString> yBytes = tf.withName("y_bytes").identity(xBytes);

      Placeholder<TFloat32> a = input(tf, "a", TFloat32.class, Shape.of(-1, 3));
      Operand<TFloat32> total = tf.withName("total").reduceSum(a, tf.constant(1));

      SavedModels.export(
          versionDir,
          session,
          SavedModels.predictSignature(SavedModels.DEFAULT_SIGNATURE)
              .input("x_fp32", xFp32)
              .input("x_fp64", xFp64)
              .input("x_int32", xInt32)
              .input("x_int64", xInt64)
              .input("x_bool", xBool)
              .input("x_bytes", xBytes)
              .output("y_fp32", yFp32)
              .output("y_fp64", yFp64)
              .output("y_int32", yInt32)
              .output("y_int64", yInt64)
              .output("y_bool", yBool)
              .output("y_bytes", yBytes)
              .build(),
          SavedModels.predictSignature(SUM_SIGNATURE).input("a", a).output("total", total).build());
    }
  }

  private static <T extends TType> Placeholder<T> input(
      Ops tf, String name, Class<T> type, Shape shape) {
    return tf.withName(name).placeholder(type, Placeholder.shape(shape));
  }
}
