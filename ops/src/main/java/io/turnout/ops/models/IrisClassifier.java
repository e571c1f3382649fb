package io.turnout.ops.models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.framework.optimizers.GradientDescent;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * An Iris classifier (MLP 4→16→3, ReLU, softmax) trained with TensorFlow Java on all 150 rows:
 * full-batch gradient descent on softmax cross-entropy from seeded He-normal weights, single
 * threaded, so the same number of epochs always gives the same model.
 *
 * <p>Not Adam: in TensorFlow Java 1.1.0 its beta-power updates are not ordered after the weight
 * updates, so a step sometimes uses the next step's bias correction and runs differ.
 */
public final class IrisClassifier {

  /** How long to train: {@code BRIEF} stops near 84 % accuracy, {@code FULL} near 99 %. */
  public enum Quality {
    BRIEF(5),
    FULL(1000);

    private final int epochs;

    Quality(int epochs) {
      this.epochs = epochs;
    }

    public int epochs() {
      return epochs;
    }
  }

  public static final int HIDDEN = 16;
  private static final long SEED = 20_240_601L;
  private static final float LEARNING_RATE = 0.2f;

  // One thread each: float sums then happen in one order, so a run is bit-for-bit repeatable.
  private static final ConfigProto SINGLE_THREADED =
      ConfigProto.newBuilder()
          .setIntraOpParallelismThreads(1)
          .setInterOpParallelismThreads(1)
          .build();

  private final int epochs;
  private final Mlp network;

  private IrisClassifier(int epochs, Mlp network) {
    this.epochs = epochs;
    this.network = network;
  }

  public static IrisClassifier train(Quality quality) {
    return train(quality.epochs());
  }

  /** Trains for {@code epochs} full-batch steps (0 leaves the seeded initial weights). */
  public static IrisClassifier train(int epochs) {
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0: " + epochs);
    }
    IrisData data = IrisData.load();
    Mlp initial =
        Mlp.heInitialized(
            SEED,
            data.means(),
            data.standardDeviations(),
            IrisData.FEATURE_NAMES.size(),
            HIDDEN,
            IrisData.CLASS_NAMES.size());
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> x = tf.constant(standardize(data.features(), initial));
      Operand<TFloat32> y =
          tf.oneHot(
              tf.constant(data.labels()),
              tf.constant(initial.outputs()),
              tf.constant(1f),
              tf.constant(0f));
      List<Variable<TFloat32>> weights = new ArrayList<>();
      List<Variable<TFloat32>> biases = new ArrayList<>();
      for (Mlp.Layer layer : initial.layers()) {
        weights.add(tf.variable(tf.constant(layer.weights())));
        biases.add(tf.variable(tf.constant(layer.bias())));
      }
      Operand<TFloat32> loss =
          tf.math.mean(
              tf.nn.softmaxCrossEntropyWithLogits(Mlp.logits(tf, x, weights, biases), y).loss(),
              tf.constant(0));
      Op step = minimizeInOrder(tf, new GradientDescent(graph, LEARNING_RATE), loss);
      try (Session session = new Session(graph, SINGLE_THREADED)) {
        session.initialize();
        for (int epoch = 0; epoch < epochs; epoch++) {
          session.runner().addTarget(step).run().close(); // updates variables, fetches nothing
        }
        List<Mlp.Layer> trained = new ArrayList<>();
        for (int i = 0; i < weights.size(); i++) {
          try (Result result = session.runner().fetch(weights.get(i)).fetch(biases.get(i)).run()) {
            trained.add(
                new Mlp.Layer(
                    StdArrays.array2dCopyOf((TFloat32) result.get(0)),
                    StdArrays.array1dCopyOf((TFloat32) result.get(1))));
          }
        }
        return new IrisClassifier(epochs, new Mlp(initial.mean(), initial.scale(), trained));
      }
    }
  }

  /**
   * Like {@code optimizer.minimize(loss)}, but no variable is updated before every gradient is
   * computed. Graph variables are read when the reading op runs, so without this the output
   * weights could be updated before the backward pass reads them for the hidden layer's gradient;
   * only the executor's scheduling order would prevent it.
   */
  private static Op minimizeInOrder(Ops tf, Optimizer optimizer, Operand<TFloat32> loss) {
    List<Optimizer.GradAndVar<?>> gradients = optimizer.computeGradients(loss);
    List<Op> computed = new ArrayList<>();
    for (Optimizer.GradAndVar<?> gradient : gradients) {
      computed.add(tf.identity(gradient.getGradient()));
    }
    Ops afterAll = tf.withControlDependencies(computed);
    List<Optimizer.GradAndVar<? extends TType>> gated = new ArrayList<>();
    for (Optimizer.GradAndVar<?> gradient : gradients) {
      gated.add(gated(afterAll, gradient));
    }
    return optimizer.applyGradients(gated, "train");
  }

  private static <T extends TType> Optimizer.GradAndVar<T> gated(
      Ops afterAll, Optimizer.GradAndVar<T> gradient) {
    return new Optimizer.GradAndVar<>(
        afterAll.identity(gradient.getGradient()).output(), gradient.getVariable());
  }

  private static float[][] standardize(float[][] rows, Mlp network) {
    for (float[] row : rows) {
      for (int j = 0; j < row.length; j++) {
        row[j] = (row[j] - network.mean()[j]) / network.scale()[j];
      }
    }
    return rows;
  }

  public int epochs() {
    return epochs;
  }

  /** Writes the inference-only SavedModel (standardization baked in) into {@code versionDir}. */
  public void export(Path versionDir) throws IOException {
    network.export(versionDir);
  }

  /** Share of rows a classifier gets right. */
  public record Accuracy(int correct, int total) {
    public double fraction() {
      return total == 0 ? 0 : (double) correct / total;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%.1f %% (%d/%d)", 100 * fraction(), correct, total);
    }
  }

  /**
   * Loads the SavedModel in {@code versionDir}, runs all 150 Iris rows through its
   * {@code serving_default} signature and counts the rows whose most probable class is right.
   */
  public static Accuracy accuracy(Path versionDir) {
    IrisData data = IrisData.load();
    int[] labels = data.labels();
    try (SavedModelBundle model = SavedModelBundle.load(versionDir.toString(), SavedModels.SERVE);
        TFloat32 features = TFloat32.tensorOf(StdArrays.ndCopyOf(data.features()));
        Result result =
            model
                .function(SavedModels.DEFAULT_SIGNATURE)
                .call(Map.<String, Tensor>of(Mlp.FEATURES, features))) {
      float[][] probabilities =
          StdArrays.array2dCopyOf((TFloat32) result.get(Mlp.PROBABILITIES).orElseThrow());
      int correct = 0;
      for (int i = 0; i < labels.length; i++) {
        if (argMax(probabilities[i]) == labels[i]) {
          correct++;
        }
      }
      return new Accuracy(correct, labels.length);
    }
  }

  private static int argMax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
