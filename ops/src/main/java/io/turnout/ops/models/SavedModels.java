package io.turnout.ops.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;

/** Writes TF Serving style SavedModels: tag {@code serve}, predict signatures. */
final class SavedModels {

  static final String SERVE = "serve";
  static final String DEFAULT_SIGNATURE = "serving_default";
  static final String PREDICT = "tensorflow/serving/predict";

  private SavedModels() {}

  static Signature.Builder predictSignature(String key) {
    return Signature.builder().key(key).methodName(PREDICT);
  }

  /**
   * Exports the session's graph with the given signatures into {@code versionDir}, which must not
   * exist yet or be empty. The exporter saves variables too; graphs built here have none (weights
   * are constants), so {@code variables/} stays empty, which TF Serving and TF Java both accept.
   */
  static void export(Path versionDir, Session session, Signature... signatures) throws IOException {
    if (Files.isDirectory(versionDir)) {
      try (var entries = Files.list(versionDir)) {
        if (entries.findAny().isPresent()) {
          throw new IOException("not empty: " + versionDir);
        }
      }
    }
    SavedModelBundle.Exporter exporter =
        SavedModelBundle.exporter(versionDir.toString()).withTags(SERVE);
    for (Signature signature : signatures) {
      exporter.withFunction(SessionFunction.create(signature, session));
    }
    exporter.export();
  }
}
