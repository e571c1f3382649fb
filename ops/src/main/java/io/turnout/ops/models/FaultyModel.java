package io.turnout.ops.models;

import java.io.IOException;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * A version that loads, warms up and looks like Iris (input {@code features} float32 [-1, 4]) but
 * fails at run time on real data: a batch whose values are not all zero is reshaped to
 * [n + 1, 4], which 4 * n values never fill. The shape depends on the data, so neither graph
 * construction nor the all-zero warm-up notices. It stands for a new model version with a bug its
 * signature does not show.
 */
public final class FaultyModel {

  private FaultyModel() {}

  public static void export(Path versionDir) throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> features =
          tf.withName("features").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TInt32> anyNonZero = tf.dtypes.cast(
          tf.math.greater(tf.reduceSum(tf.math.abs(features), tf.constant(new int[] {0, 1})), tf.constant(0f)),
          TInt32.class);
      Operand<TInt32> oneRowMore =
          tf.math.add(tf.shape(features), tf.stack(java.util.List.of(anyNonZero, tf.constant(0))));
      Operand<TFloat32> reshaped = tf.reshape(features, oneRowMore);
      Operand<TFloat32> probabilities = tf.withName("probabilities").nn.softmax(reshaped);
      SavedModels.export(versionDir, session,
          SavedModels.predictSignature(SavedModels.DEFAULT_SIGNATURE)
              .input("features", features)
              .output("probabilities", probabilities)
              .build());
    }
  }
}
