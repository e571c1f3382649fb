package io.turnout.node.testkit;

import io.turnout.ops.models.BrokenModel;
import io.turnout.ops.models.DemoModels;
import io.turnout.ops.models.TypesModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * SavedModels the node's tests serve, built with the project's own builders into the module's
 * target folder once and reused: iris/1 (briefly trained), iris/2 (fully trained), wide/1,
 * types/1 (every dtype, two signatures) and broken/1 (a SavedModel that cannot load).
 */
public final class TestModels {
  private static Path root;

  private TestModels() {}

  public static synchronized Path root() {
    if (root == null) {
      Path dir = Path.of(System.getProperty("turnout.project.dir", "."), "cluster-node", "target", "test-models");
      try {
        DemoModels.ensure(dir, line -> {});
        if (!Files.exists(dir.resolve("types/1/saved_model.pb"))) TypesModel.export(dir.resolve("types/1"));
        if (!Files.exists(dir.resolve("broken/1/saved_model.pb"))) BrokenModel.write(dir.resolve("broken/1"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      root = dir;
    }
    return root;
  }

  /** A root holding only the given models of {@link #root()}, linked, so a node can be given a subset. */
  public static Path rootWith(Path into, String... models) {
    try {
      Files.createDirectories(into);
      for (String model : models) {
        Path link = into.resolve(model);
        if (!Files.exists(link)) Files.createSymbolicLink(link, root().resolve(model));
      }
      return into;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A model root in {@code into} where each of {@code models} is a copy of the Iris test model
   * (versions 1 and 2), so that every test owns its models' rollouts.
   */
  public static Path irisCopies(Path into, String... models) {
    try {
      Files.createDirectories(into);
      for (String model : models) Files.createSymbolicLink(into.resolve(model), root().resolve("iris"));
      return into;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
