package io.turnout.node.http.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.turnout.protocol.InferenceRequest;
import io.turnout.protocol.InferenceResult;
import io.turnout.protocol.ModelSignature;
import io.turnout.protocol.ModelVersionId;
import io.turnout.protocol.Tensor;
import io.turnout.protocol.TensorSpec;
import io.turnout.protocol.VersionState;
import io.turnout.protocol.VersionStatus;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON of TensorFlow Serving's REST API (tensorflow.org/tfx/serving/api_rest): predict requests and
 * replies, model status, model metadata and errors, shaped as TF Serving shapes them.
 *
 * <p>Like TF Serving, requests and replies may carry the non-standard tokens {@code NaN},
 * {@code Infinity} and {@code -Infinity} for floats.
 */
public final class TfServingJson {
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION) // a key given twice is ambiguous: refuse it
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .build();
  private static final String NAME_A_SIGNATURE = "\"signature_name\"";
  private static final String BASE64 = "b64";
  /** TF Serving's convention: DT_STRING outputs named so hold binary data and are always base64. */
  private static final String BYTES_SUFFIX = "_bytes";

  private TfServingJson() {}

  /**
   * Parses a {@code :predict} body in row ({@code instances}) or columnar ({@code inputs}) format
   * against the signature it names ({@code serving_default} if none).
   *
   * @throws InvalidInputException when the body is not a valid request for these signatures
   */
  public static TfServingPredict parsePredict(byte[] body, Map<String, ModelSignature> signatures) {
    Envelope envelope;
    try {
      envelope = JsonIo.read(JSON, body, p -> readEnvelope(p, signatures, true));
    } catch (DefaultSignatureMisfit misfit) {
      // The tensors did not fit serving_default, read before any signature_name; one may follow.
      envelope = JsonIo.read(JSON, body, p -> readEnvelope(p, signatures, false));
      if (envelope.signatureName == null || envelope.signatureName.equals(ModelSignature.DEFAULT_KEY)) {
        throw misfit.failure;
      }
    }
    ModelSignature signature = SignatureRules.resolve(signatures, envelope.signatureName, NAME_A_SIGNATURE);
    if (envelope.format == null) {
      throw new InvalidInputException("the request needs \"instances\" (row format) or \"inputs\" (columnar format)");
    }
    PredictFormat format = envelope.format;
    Map<String, Tensor> inputs = envelope.readWith == signature
        ? envelope.inputs
        : JsonIo.reread(JSON, body, envelope.valueOffset, p -> readInputs(p, signature, format));
    InferenceRequest request =
        new InferenceRequest(signature.key(), SignatureRules.checkInputs(inputs, signature), List.of());
    return new TfServingPredict(request, format);
  }

  /** What the top level of a predict body holds; tensors are read on the way when the signature is known. */
  private static final class Envelope {
    String signatureName;
    PredictFormat format;
    long valueOffset = -1;
    ModelSignature readWith;
    Map<String, Tensor> inputs;
  }

  /** The tensors were read with serving_default before a signature_name was seen, and did not fit. */
  private static final class DefaultSignatureMisfit extends RuntimeException {
    final InvalidInputException failure;

    DefaultSignatureMisfit(InvalidInputException failure) {
      super(null, null, false, false);
      this.failure = failure;
    }
  }

  /**
   * Walks the top-level object. Reads the tensors where they stand when their signature is known by
   * then ({@code readTensors}), else remembers where they are. Most bodies name no signature, so the
   * default is tried at once and the body is parsed only once.
   */
  private static Envelope readEnvelope(JsonParser p, Map<String, ModelSignature> signatures, boolean readTensors)
      throws IOException {
    Envelope envelope = new Envelope();
    for (JsonToken token = p.nextToken(); token == JsonToken.FIELD_NAME; token = p.nextToken()) {
      String field = p.currentName();
      p.nextToken();
      switch (field) {
        case "signature_name" -> {
          JsonIo.expect(p, JsonToken.VALUE_STRING, "\"signature_name\" must be a string");
          String name = p.getText();
          envelope.signatureName = name.isEmpty() ? null : name; // TF Serving reads "" as the default
        }
        case "instances", "inputs" -> {
          PredictFormat format = field.equals("instances") ? PredictFormat.ROW : PredictFormat.COLUMNAR;
          if (envelope.format != null) {
            throw new InvalidInputException("use either \"instances\" (row format) or \"inputs\" (columnar format), not both");
          }
          envelope.format = format;
          envelope.valueOffset = JsonIo.offset(p);
          ModelSignature signature = !readTensors ? null
              : envelope.signatureName != null
                  ? SignatureRules.resolve(signatures, envelope.signatureName, NAME_A_SIGNATURE)
                  : signatures.get(ModelSignature.DEFAULT_KEY);
          if (signature == null) {
            p.skipChildren();
          } else {
            try {
              envelope.inputs = readInputs(p, signature, format);
            } catch (InvalidInputException e) {
              if (envelope.signatureName != null) throw e;
              throw new DefaultSignatureMisfit(e);
            }
            envelope.readWith = signature;
          }
        }
        default -> p.skipChildren(); // TF Serving ignores keys it does not know
      }
    }
    return envelope;
  }

  private static Map<String, Tensor> readInputs(JsonParser p, ModelSignature signature, PredictFormat format)
      throws IOException {
    return format == PredictFormat.ROW ? readInstances(p, signature) : readColumns(p, signature);
  }

  /**
   * Row format: a list of instances, each either the value of the only input, or an object naming
   * every input. The first instance decides which; the batch is the number of instances.
   */
  private static Map<String, Tensor> readInstances(JsonParser p, ModelSignature signature) throws IOException {
    JsonIo.expect(p, JsonToken.START_ARRAY, "\"instances\" must be a list");
    Map<String, TensorSpec> specs = signature.inputs();
    Map<String, TensorJsonReader> readers = new LinkedHashMap<>();
    boolean objects = false; // instances are objects naming inputs, else plain values of the only input
    TensorJsonReader only = null;
    int row = 0;
    for (JsonToken token = p.nextToken(); token != JsonToken.END_ARRAY; token = p.nextToken(), row++) {
      boolean base64 = false;
      if (token == JsonToken.START_OBJECT) {
        p.nextToken();
        base64 = isBase64Key(p, specs);
      }
      boolean objectRow = token == JsonToken.START_OBJECT && !base64;
      if (row == 0) {
        objects = objectRow;
        if (objects) {
          specs.forEach((name, spec) ->
              readers.put(name, TensorJsonReader.ofRows(spec.dataType(), Dialect.TF_SERVING, name, "instances", name)));
        } else {
          String name = onlyInput(signature, "instances[0] is a plain value", "each instance must be an object naming them");
          only = TensorJsonReader.ofRows(specs.get(name).dataType(), Dialect.TF_SERVING, name, "instances", null);
          readers.put(name, only);
        }
      } else if (objectRow != objects) {
        throw new InvalidInputException("instances[" + row + "] is " + form(objectRow) + ", but instances[0] is "
            + form(!objectRow) + ": all instances must take the same form");
      }
      if (objectRow) readInstanceObject(p, readers, row, signature);
      else if (base64) only.readOpenedBase64(p);
      else only.read(p);
    }
    if (row == 0) throw new InvalidInputException("\"instances\" is empty: send at least one instance");
    Map<String, Tensor> inputs = new LinkedHashMap<>();
    readers.forEach((name, reader) -> inputs.put(name, reader.toTensor()));
    return inputs;
  }

  private static String form(boolean objectRow) {
    return objectRow ? "an object naming inputs" : "a plain value";
  }

  /** One {@code {input: value, ...}} instance; the parser stands on its first key (or its end). */
  private static void readInstanceObject(
      JsonParser p, Map<String, TensorJsonReader> readers, int row, ModelSignature signature) throws IOException {
    for (JsonToken token = p.currentToken(); token != JsonToken.END_OBJECT; token = p.nextToken()) {
      String name = p.currentName();
      TensorJsonReader reader = readers.get(name);
      if (reader == null) throw SignatureRules.unknownInput("instances[" + row + "]", name, signature);
      p.nextToken();
      reader.read(p);
    }
    for (Map.Entry<String, TensorJsonReader> entry : readers.entrySet()) {
      if (entry.getValue().rows() == row) {
        throw new InvalidInputException("instances[" + row + "] lacks input '" + entry.getKey() + "'");
      }
    }
  }

  /**
   * Columnar format: the value of the only input, or an object naming every input; each value holds
   * the whole batch.
   */
  private static Map<String, Tensor> readColumns(JsonParser p, ModelSignature signature) throws IOException {
    Map<String, TensorSpec> specs = signature.inputs();
    if (p.currentToken() == JsonToken.START_OBJECT) {
      p.nextToken();
      if (isBase64Key(p, specs)) {
        String name = onlyInput(signature, "\"inputs\" is a plain value", "make it an object naming them");
        TensorJsonReader reader = TensorJsonReader.ofValue(specs.get(name).dataType(), Dialect.TF_SERVING, name, "inputs");
        reader.readOpenedBase64(p);
        return Map.of(name, reader.toTensor());
      }
      Map<String, Tensor> inputs = new LinkedHashMap<>();
      for (JsonToken token = p.currentToken(); token != JsonToken.END_OBJECT; token = p.nextToken()) {
        String name = p.currentName();
        TensorSpec spec = specs.get(name);
        if (spec == null) throw SignatureRules.unknownInput("\"inputs\"", name, signature);
        p.nextToken();
        TensorJsonReader reader = TensorJsonReader.ofValue(spec.dataType(), Dialect.TF_SERVING, name, "inputs." + name);
        reader.read(p);
        inputs.put(name, reader.toTensor());
      }
      return inputs;
    }
    String name = onlyInput(signature, "\"inputs\" is a plain value", "make it an object naming them");
    TensorJsonReader reader = TensorJsonReader.ofValue(specs.get(name).dataType(), Dialect.TF_SERVING, name, "inputs");
    reader.read(p);
    return Map.of(name, reader.toTensor());
  }

  /**
   * Whether the object just opened is {@code {"b64": "..."}}, a binary string value, rather than an
   * object naming inputs. The parser stands on its first key. An input really named "b64" wins.
   */
  private static boolean isBase64Key(JsonParser p, Map<String, TensorSpec> specs) throws IOException {
    return p.currentToken() == JsonToken.FIELD_NAME && BASE64.equals(p.currentName()) && !specs.containsKey(BASE64);
  }

  /** The name of the signature's only input; a value that names no input is only allowed then. */
  private static String onlyInput(ModelSignature signature, String what, String remedy) {
    if (signature.inputs().size() != 1) {
      throw new InvalidInputException(what + ", but signature '" + signature.key() + "' has "
          + signature.inputs().size() + " inputs (" + JsonIo.names(signature.inputs().keySet()) + "): " + remedy);
    }
    return signature.inputs().keySet().iterator().next();
  }

  /**
   * The reply to a predict request. {@link PredictFormat#ROW} gives {@code {"predictions": [...]}}, one
   * entry per row (an object per row when there are several outputs); {@link PredictFormat#COLUMNAR}
   * gives {@code {"outputs": ...}}, a value or an object of values.
   *
   * <p>Row replies need every output to share the batch dimension. Where they do not, TF Serving fails
   * the request ("has inconsistent batch size"); we answer in the columnar form instead, so the client
   * still gets the result the model computed.
   */
  public static byte[] predictResponse(InferenceResult result, PredictFormat format) {
    Map<String, Tensor> outputs = result.outputs();
    boolean rows = format == PredictFormat.ROW && shareBatch(outputs);
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      if (rows) {
        g.writeFieldName("predictions");
        writeRows(g, outputs);
      } else {
        g.writeFieldName("outputs");
        if (outputs.size() == 1) {
          Map.Entry<String, Tensor> only = outputs.entrySet().iterator().next();
          TensorJsonWriter.writeNested(g, only.getValue(), 0, 0, bytesStyle(only.getKey()));
        } else {
          g.writeStartObject();
          for (Map.Entry<String, Tensor> output : outputs.entrySet()) {
            g.writeFieldName(output.getKey());
            TensorJsonWriter.writeNested(g, output.getValue(), 0, 0, bytesStyle(output.getKey()));
          }
          g.writeEndObject();
        }
      }
      g.writeEndObject();
    });
  }

  private static boolean shareBatch(Map<String, Tensor> outputs) {
    long batch = -1;
    for (Tensor tensor : outputs.values()) {
      if (tensor.rank() == 0) return false;
      if (batch >= 0 && tensor.shape()[0] != batch) return false;
      batch = tensor.shape()[0];
    }
    return true;
  }

  private static void writeRows(JsonGenerator g, Map<String, Tensor> outputs) throws IOException {
    String[] names = outputs.keySet().toArray(new String[0]);
    Tensor[] tensors = outputs.values().toArray(new Tensor[0]);
    int[] rowSizes = new int[tensors.length];
    TensorJsonWriter.Bytes[] bytes = new TensorJsonWriter.Bytes[tensors.length];
    for (int i = 0; i < tensors.length; i++) {
      rowSizes[i] = TensorJsonWriter.rowSize(tensors[i]);
      bytes[i] = bytesStyle(names[i]);
    }
    long batch = tensors.length == 0 ? 0 : tensors[0].shape()[0];
    boolean objects = tensors.length > 1;
    g.writeStartArray();
    for (int row = 0; row < batch; row++) {
      if (objects) g.writeStartObject();
      for (int i = 0; i < tensors.length; i++) {
        if (objects) g.writeFieldName(names[i]);
        TensorJsonWriter.writeNested(g, tensors[i], 1, row * rowSizes[i], bytes[i]);
      }
      if (objects) g.writeEndObject();
    }
    g.writeEndArray();
  }

  private static TensorJsonWriter.Bytes bytesStyle(String outputName) {
    return outputName.endsWith(BYTES_SUFFIX) ? TensorJsonWriter.Bytes.BASE64 : TensorJsonWriter.Bytes.TEXT_OR_BASE64;
  }

  /**
   * The model status reply ({@code GetModelStatusResponse} as JSON). TF Serving knows no "failed"
   * state: a version that failed to load is {@code END} with an error status; an unloaded one is
   * {@code END} with status OK.
   */
  public static byte[] versionStatus(List<VersionStatus> statuses) {
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("model_version_status");
      for (VersionStatus status : statuses) {
        boolean failed = status.state() == VersionState.FAILED;
        g.writeStartObject();
        g.writeStringField("version", Long.toString(status.version().version()));
        g.writeStringField("state", switch (status.state()) {
          case LOADING -> "LOADING";
          case AVAILABLE -> "AVAILABLE";
          case UNLOADING -> "UNLOADING";
          case FAILED, UNLOADED -> "END";
        });
        g.writeObjectFieldStart("status");
        g.writeStringField("error_code", failed ? "UNKNOWN" : "OK");
        g.writeStringField("error_message", failed ? status.reason() : "");
        g.writeEndObject();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * The model metadata reply ({@code GetModelMetadataResponse} with its {@code signature_def} map), in
   * TF Serving's shape: int64 sizes as strings, the map nested twice under {@code signature_def}.
   */
  public static byte[] metadata(ModelVersionId id, Map<String, ModelSignature> signatures) {
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeObjectFieldStart("model_spec");
      g.writeStringField("name", id.model());
      g.writeStringField("signature_name", "");
      g.writeStringField("version", Long.toString(id.version()));
      g.writeEndObject();
      g.writeObjectFieldStart("metadata");
      g.writeObjectFieldStart("signature_def");
      g.writeObjectFieldStart("signature_def");
      for (Map.Entry<String, ModelSignature> entry : signatures.entrySet()) {
        ModelSignature signature = entry.getValue();
        g.writeObjectFieldStart(entry.getKey());
        writeTensorInfos(g, "inputs", signature.inputs());
        writeTensorInfos(g, "outputs", signature.outputs());
        g.writeStringField("method_name", signature.methodName() == null ? "" : signature.methodName());
        g.writeEndObject();
      }
      g.writeEndObject();
      g.writeEndObject();
      g.writeEndObject();
      g.writeEndObject();
    });
  }

  private static void writeTensorInfos(JsonGenerator g, String field, Map<String, TensorSpec> specs) throws IOException {
    g.writeObjectFieldStart(field);
    for (Map.Entry<String, TensorSpec> entry : specs.entrySet()) {
      TensorSpec spec = entry.getValue();
      g.writeObjectFieldStart(entry.getKey());
      g.writeStringField("dtype", spec.dataType().tfName());
      g.writeObjectFieldStart("tensor_shape");
      g.writeArrayFieldStart("dim");
      if (spec.rankKnown()) {
        for (long size : spec.dims()) {
          g.writeStartObject();
          g.writeStringField("size", Long.toString(size));
          g.writeStringField("name", "");
          g.writeEndObject();
        }
      }
      g.writeEndArray();
      g.writeBooleanField("unknown_rank", !spec.rankKnown());
      g.writeEndObject();
      g.writeStringField("name", spec.name());
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  /** {@code {"error": "<message>"}}, TF Serving's error body. */
  public static byte[] error(String message) {
    return JsonIo.write(JSON, g -> {
      g.writeStartObject();
      g.writeStringField("error", message);
      g.writeEndObject();
    });
  }
}
