package io.turnout.node.tensorflow;

import io.turnout.protocol.DataType;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.RawTensor;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * One loaded SavedModel: its signatures in protocol terms and a thread-safe {@link #run} that turns
 * protocol tensors into native ones, runs the session once and reads the outputs back. Every native
 * tensor and result is closed before {@code run} returns; {@link #close} releases the model.
 */
public final class SavedModelRunner implements AutoCloseable {
  public static final String SERVE_TAG = "serve";

  private final SavedModelBundle bundle;
  private final Session session;
  private final Map<String, ModelSignature> signatures;

  private SavedModelRunner(SavedModelBundle bundle) {
    this.bundle = bundle;
    this.session = bundle.session();
    this.signatures = readSignatures(bundle);
  }

  /** Loads the SavedModel in {@code dir}; throws when it is missing, corrupt, or has no usable signature. */
  public static SavedModelRunner load(Path dir, TensorFlowSettings settings) {
    ConfigProto config = ConfigProto.newBuilder()
        .setIntraOpParallelismThreads(settings.intraOpThreads())
        .setInterOpParallelismThreads(settings.interOpThreads())
        .build();
    SavedModelBundle bundle = SavedModelBundle.loader(dir.toString())
        .withTags(SERVE_TAG)
        .withConfigProto(config)
        .load();
    try {
      SavedModelRunner runner = new SavedModelRunner(bundle);
      if (runner.signatures.isEmpty()) {
        throw new IllegalArgumentException("SavedModel in " + dir + " has no signature with supported tensor types");
      }
      return runner;
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  public Map<String, ModelSignature> signatures() {
    return signatures;
  }

  public Optional<ModelSignature> signature(String key) {
    return Optional.ofNullable(signatures.get(key));
  }

  /**
   * Runs {@code signatureKey} on {@code inputs} (keyed by the signature's input names) and returns
   * the wanted outputs (all when {@code outputs} is empty) in signature order. Inputs must already
   * fit the signature; TensorFlow's own exceptions surface for anything it still refuses.
   */
  public Map<String, Tensor> run(String signatureKey, Map<String, Tensor> inputs, List<String> outputs) {
    ModelSignature signature = signatures.get(signatureKey);
    if (signature == null) throw new IllegalArgumentException("no signature " + signatureKey);
    List<String> wanted = outputs.isEmpty() ? List.copyOf(signature.outputs().keySet()) : outputs;
    List<org.tensorflow.Tensor> fed = new ArrayList<>(inputs.size());
    try {
      Session.Runner runner = session.runner();
      for (Map.Entry<String, Tensor> input : inputs.entrySet()) {
        org.tensorflow.Tensor nativeTensor = toNative(input.getValue());
        fed.add(nativeTensor);
        runner.feed(signature.inputs().get(input.getKey()).name(), nativeTensor);
      }
      for (String output : wanted) {
        runner.fetch(signature.outputs().get(output).name());
      }
      try (Result result = runner.run()) {
        Map<String, Tensor> read = new LinkedHashMap<>();
        for (int i = 0; i < wanted.size(); i++) {
          read.put(wanted.get(i), fromNative(result.get(i)));
        }
        return read;
      }
    } finally {
      fed.forEach(org.tensorflow.Tensor::close);
    }
  }

  @Override
  public void close() {
    bundle.close();
  }

  private static Map<String, ModelSignature> readSignatures(SavedModelBundle bundle) {
    Map<String, ModelSignature> read = new LinkedHashMap<>();
    for (Signature signature : bundle.signatures()) {
      Optional<Map<String, TensorSpec>> inputs = specs(signature.getInputs());
      Optional<Map<String, TensorSpec>> outputs = specs(signature.getOutputs());
      // A signature using a dtype we cannot carry (e.g. DT_HALF) is left out rather than failing the model.
      if (inputs.isPresent() && outputs.isPresent()) {
        read.put(signature.key(),
            new ModelSignature(signature.key(), signature.methodName(), inputs.get(), outputs.get()));
      }
    }
    return read;
  }

  private static Optional<Map<String, TensorSpec>> specs(Map<String, Signature.TensorDescription> descriptions) {
    Map<String, TensorSpec> specs = new LinkedHashMap<>();
    for (Map.Entry<String, Signature.TensorDescription> entry : descriptions.entrySet()) {
      Signature.TensorDescription description = entry.getValue();
      Optional<DataType> dataType = DataType.fromTfName(description.dataType.name());
      if (dataType.isEmpty()) return Optional.empty();
      specs.put(entry.getKey(), new TensorSpec(description.name, dataType.get(), dims(description.shape)));
    }
    return Optional.of(specs);
  }

  private static List<Long> dims(Shape shape) {
    if (shape.isUnknown()) return null;
    return Arrays.stream(shape.asArray()).boxed().toList();
  }

  static org.tensorflow.Tensor toNative(Tensor tensor) {
    Shape shape = Shape.of(tensor.shape());
    return switch (tensor.dataType()) {
      case FP32 -> TFloat32.tensorOf(shape, DataBuffers.of(tensor.floats(), true, false));
      case FP64 -> TFloat64.tensorOf(shape, DataBuffers.of(tensor.doubles(), true, false));
      case INT32 -> TInt32.tensorOf(shape, DataBuffers.of(tensor.ints(), true, false));
      case INT64 -> TInt64.tensorOf(shape, DataBuffers.of(tensor.longs(), true, false));
      case BOOL -> TBool.tensorOf(shape, DataBuffers.of(tensor.booleans(), true, false));
      case BYTES -> TString.tensorOfBytes(shape, DataBuffers.of(tensor.bytes(), true, false));
    };
  }

  static Tensor fromNative(org.tensorflow.Tensor tensor) {
    long[] shape = tensor.shape().asArray();
    int count = Math.toIntExact(tensor.shape().size());
    DataType dataType = DataType.fromTfName(tensor.dataType().name())
        .orElseThrow(() -> new IllegalStateException("unsupported output type " + tensor.dataType()));
    if (dataType == DataType.BYTES) {
      byte[][] strings = new byte[count][];
      ((TString) tensor).asBytes().copyTo(DataBuffers.of(strings, false, false));
      return Tensor.ofBytes(shape, strings);
    }
    RawTensor raw = tensor.asRawTensor();
    return switch (dataType) {
      case FP32 -> { float[] a = new float[count]; raw.data().asFloats().read(a); yield Tensor.ofFloats(shape, a); }
      case FP64 -> { double[] a = new double[count]; raw.data().asDoubles().read(a); yield Tensor.ofDoubles(shape, a); }
      case INT32 -> { int[] a = new int[count]; raw.data().asInts().read(a); yield Tensor.ofInts(shape, a); }
      case INT64 -> { long[] a = new long[count]; raw.data().asLongs().read(a); yield Tensor.ofLongs(shape, a); }
      case BOOL -> { boolean[] a = new boolean[count]; raw.data().asBooleans().read(a); yield Tensor.ofBooleans(shape, a); }
      case BYTES -> throw new AssertionError("handled above");
    };
  }
}
