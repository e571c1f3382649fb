package io.turnout.ops.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A version folder that looks like a SavedModel but is not one, so loading it must fail. */
public final class BrokenModel {

  private BrokenModel() {}

  public static void write(Path versionDir) throws IOException {
    Files.createDirectories(versionDir.resolve("variables"));
    Files.write(
        versionDir.resolve("saved_model.pb"),
        "this is not a SavedModel protocol buffer\n".getBytes(StandardCharsets.UTF_8));
  }
}
