package io.turnout.ops.models;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Fisher's Iris data (150 rows, 4 measurements in cm, 3 species), read from the classpath. */
public final class IrisData {

  /** Species in label order: label {@code i} is {@code CLASS_NAMES.get(i)}. */
  public static final List<String> CLASS_NAMES = List.of("setosa", "versicolor", "virginica");
  public static final List<String> FEATURE_NAMES =
      List.of("sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm");

  private static final String RESOURCE = "iris.csv";

  private final float[][] features;
  private final int[] labels;

  private IrisData(float[][] features, int[] labels) {
    this.features = features;
    this.labels = labels;
  }

  public static IrisData load() {
    try (InputStream in = IrisData.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + RESOURCE);
      }
      return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static IrisData parse(BufferedReader reader) throws IOException {
    String header = reader.readLine();
    if (header == null || !header.startsWith(String.join(",", FEATURE_NAMES))) {
      throw new IllegalStateException("unexpected header in " + RESOURCE + ": " + header);
    }
    List<float[]> rows = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    for (String line = reader.readLine(); line != null; line = reader.readLine()) {
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",");
      float[] row = new float[FEATURE_NAMES.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = Float.parseFloat(cells[i]);
      }
      int label = CLASS_NAMES.indexOf(cells[row.length].trim());
      if (label < 0) {
        throw new IllegalStateException("unknown species in " + RESOURCE + ": " + line);
      }
      rows.add(row);
      classes.add(label);
    }
    return new IrisData(
        rows.toArray(float[][]::new), classes.stream().mapToInt(Integer::intValue).toArray());
  }

  public int size() {
    return labels.length;
  }

  /** One row per flower: sepal length, sepal width, petal length, petal width (cm). A copy. */
  public float[][] features() {
    float[][] copy = new float[features.length][];
    for (int i = 0; i < features.length; i++) {
      copy[i] = features[i].clone();
    }
    return copy;
  }

  /** Species index of each row, 0..2 in {@link #CLASS_NAMES} order. A copy. */
  public int[] labels() {
    return labels.clone();
  }

  public List<String> classNames() {
    return CLASS_NAMES;
  }

  /** Per-column mean over all rows. */
  public float[] means() {
    double[] sum = new double[FEATURE_NAMES.size()];
    for (float[] row : features) {
      for (int j = 0; j < sum.length; j++) {
        sum[j] += row[j];
      }
    }
    float[] mean = new float[sum.length];
    for (int j = 0; j < mean.length; j++) {
      mean[j] = (float) (sum[j] / features.length);
    }
    return mean;
  }

  /** Per-column population standard deviation over all rows. */
  public float[] standardDeviations() {
    float[] mean = means();
    double[] squares = new double[mean.length];
    for (float[] row : features) {
      for (int j = 0; j < squares.length; j++) {
        double d = row[j] - mean[j];
        squares[j] += d * d;
      }
    }
    float[] std = new float[mean.length];
    for (int j = 0; j < std.length; j++) {
      std[j] = (float) Math.sqrt(squares[j] / features.length);
    }
    return std;
  }
}
