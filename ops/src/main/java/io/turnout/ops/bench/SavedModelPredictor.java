package io.turnout.ops.bench;

import java.nio.file.Path;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * One SavedModel loaded the way the node loads it (tag {@code serve}, TensorFlow intra-op and
 * inter-op pools of one thread each), called through {@code session.runner()} on the
 * {@code serving_default} signature's {@code features} input and {@code probabilities} output.
 * Thread-safe: TensorFlow sessions accept concurrent runs.
 */
final class SavedModelPredictor implements AutoCloseable {

  static final String INPUT = "features";
  static final String OUTPUT = "probabilities";

  private final SavedModelBundle bundle;
  private final Session session;
  private final String inputOp;
  private final String outputOp;

  private SavedModelPredictor(SavedModelBundle bundle) {
    this.bundle = bundle;
    this.session = bundle.session();
    Signature signature =
        bundle.signatures().stream()
            .filter(s -> Signature.DEFAULT_KEY.equals(s.key()))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no serving_default signature"));
    this.inputOp = tensorName(signature.getInputs().get(INPUT), INPUT);
    this.outputOp = tensorName(signature.getOutputs().get(OUTPUT), OUTPUT);
  }

  /** The session options of the node's runner: one intra-op and one inter-op thread. */
  static ConfigProto sessionConfig() {
    return ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(1)
        .setInterOpParallelismThreads(1)
        .build();
  }

  static SavedModelPredictor load(Path versionDir) {
    SavedModelBundle bundle =
        SavedModelBundle.loader(versionDir.toString())
            .withTags("serve")
            .withConfigProto(sessionConfig())
            .load();
    try {
      return new SavedModelPredictor(bundle);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  private static String tensorName(Signature.TensorDescription description, String key) {
    if (description == null) {
      throw new IllegalArgumentException("serving_default has no tensor '" + key + "'");
    }
    return description.name;
  }

  /** Runs {@code rows} (each of 4 features) through the model; closes every tensor it made. */
  float[][] predict(float[][] rows) {
    try (TFloat32 input = TFloat32.tensorOf(StdArrays.ndCopyOf(rows));
        Result result = session.runner().feed(inputOp, input).fetch(outputOp).run()) {
      return StdArrays.array2dCopyOf((TFloat32) result.get(0));
    }
  }

  @Override
  public void close() {
    bundle.close();
  }
}
