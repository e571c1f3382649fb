package io.turnout.ops.models;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An untrained MLP 4→hidden→hidden→3 for benchmarks where compute matters: the same signature as
 * the Iris classifier ({@code features} [-1,4] to {@code probabilities} [-1,3]) with seeded
 * He-normal weights, about 2 MFLOP per row at the default width.
 */
public final class WideModel {

  public static final int HIDDEN = 1024;
  private static final long SEED = 4_1024_1024_3L;

  private WideModel() {}

  public static void export(Path versionDir) throws IOException {
    export(versionDir, HIDDEN);
  }

  public static void export(Path versionDir, int hidden) throws IOException {
    if (hidden < 1) {
      throw new IllegalArgumentException("hidden must be >= 1: " + hidden);
    }
    // Iris statistics standardize the inputs, so Iris-like rows give unsaturated probabilities.
    IrisData iris = IrisData.load();
    Mlp.heInitialized(
            SEED,
            iris.means(),
            iris.standardDeviations(),
            IrisData.FEATURE_NAMES.size(),
            hidden,
            hidden,
            IrisData.CLASS_NAMES.size())
        .export(versionDir);
  }
}
