package io.turnout.ops.models;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.exceptions.TensorFlowException;

class BrokenModelTest {

  @TempDir Path models;

  @Test
  void looksLikeAVersionFolderButFailsToLoad() throws IOException {
    Path version = models.resolve("broken/1");
    BrokenModel.write(version);
    assertTrue(Files.isRegularFile(version.resolve("saved_model.pb")));
    assertTrue(Files.isDirectory(version.resolve("variables")));
    assertThrows(TensorFlowException.class, () -> Served.load(version).close());
  }
}
