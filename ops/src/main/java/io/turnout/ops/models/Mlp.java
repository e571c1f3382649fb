package io.turnout.ops.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A dense ReLU network with a softmax head whose inputs are standardized by a baked-in mean and
 * scale, so clients send raw measurements. Plain arrays: the trainer fills them, the exporter
 * turns them into graph constants.
 */
record Mlp(float[] mean, float[] scale, List<Layer> layers) {

  static final String FEATURES = "features";
  static final String PROBABILITIES = "probabilities";

  /** {@code weights[in][out]}, {@code bias[out]}. */
  record Layer(float[][] weights, float[] bias) {}

  Mlp {
    layers = List.copyOf(layers);
  }

  /** He-normal weights and zero biases for the widths {@code in, hidden..., out}, from a seed. */
  static Mlp heInitialized(long seed, float[] mean, float[] scale, int... widths) {
    Random random = new Random(seed);
    List<Layer> layers = new ArrayList<>();
    for (int l = 0; l + 1 < widths.length; l++) {
      int in = widths[l];
      int out = widths[l + 1];
      double std = Math.sqrt(2.0 / in);
      float[][] weights = new float[in][out];
      for (float[] row : weights) {
        for (int j = 0; j < out; j++) {
          row[j] = (float) (random.nextGaussian() * std);
        }
      }
      layers.add(new Layer(weights, new float[out]));
    }
    return new Mlp(mean, scale, layers);
  }

  int inputs() {
    return layers.get(0).weights().length;
  }

  int outputs() {
    return layers.get(layers.size() - 1).bias().length;
  }

  /** Logits of the layers {@code (weights[i], biases[i])}: ReLU between layers, none at the end. */
  static Operand<TFloat32> logits(
      Ops tf,
      Operand<TFloat32> input,
      List<? extends Operand<TFloat32>> weights,
      List<? extends Operand<TFloat32>> biases) {
    Operand<TFloat32> x = input;
    for (int i = 0; i < weights.size(); i++) {
      x = tf.math.add(tf.linalg.matMul(x, weights.get(i)), biases.get(i));
      if (i + 1 < weights.size()) {
        x = tf.nn.relu(x);
      }
    }
    return x;
  }

  /**
   * Exports an inference-only graph, weights as constants: signature {@code serving_default},
   * {@code features} float32 [-1, inputs] to {@code probabilities} float32 [-1, outputs].
   */
  void export(Path versionDir) throws IOException {
    try (Graph graph = new Graph();
        Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> features =
          tf.withName(FEATURES)
              .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, inputs())));
      Operand<TFloat32> standardized =
          tf.math.div(tf.math.sub(features, tf.constant(mean)), tf.constant(scale));
      List<Operand<TFloat32>> weights = new ArrayList<>();
      List<Operand<TFloat32>> biases = new ArrayList<>();
      for (Layer layer : layers) {
        weights.add(tf.constant(layer.weights()));
        biases.add(tf.constant(layer.bias()));
      }
      Operand<TFloat32> probabilities =
          tf.withName(PROBABILITIES).nn.softmax(logits(tf, standardized, weights, biases));
      SavedModels.export(
          versionDir,
          session,
          SavedModels.predictSignature(SavedModels.DEFAULT_SIGNATURE)
              .input(FEATURES, features)
              .output(PROBABILITIES, probabilities)
              .build());
    }
  }
}
