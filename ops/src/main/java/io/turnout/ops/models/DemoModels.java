package io.turnout.ops.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The demo models in TF Serving layout ({@code <root>/<model>/<version>/saved_model.pb} and
 * {@code variables/}): {@code iris/1} (briefly trained), {@code iris/2} (fully trained) and
 * {@code wide/1} (benchmark MLP).
 *
 * <p>Each version is written into a hidden sibling folder and renamed into place, so a crash never
 * leaves half a model where a server would load it.
 */
public final class DemoModels {

  public static final String IRIS = "iris";
  public static final String WIDE = "wide";

  /** Writes one model version into an empty folder and says what it wrote. */
  @FunctionalInterface
  private interface Writer {
    String write(Path versionDir) throws IOException;
  }

  private record Recipe(String model, int version, Writer writer) {
    Path dir(Path root) {
      return root.resolve(model).resolve(Integer.toString(version));
    }

    String name() {
      return model + "/" + version;
    }
  }

  private static final List<Recipe> RECIPES =
      List.of(
          new Recipe(IRIS, 1, dir -> iris(dir, IrisClassifier.Quality.BRIEF)),
          new Recipe(IRIS, 2, dir -> iris(dir, IrisClassifier.Quality.FULL)),
          new Recipe(WIDE, 1, DemoModels::wide));

  private DemoModels() {}

  /**
   * Builds the demo versions missing under {@code root} (a version counts as present when its
   * {@code saved_model.pb} exists) and returns the folders it built; a second call builds nothing.
   */
  public static List<Path> ensure(Path root, Consumer<String> progress) throws IOException {
    return build(root, false, progress);
  }

  /** Builds every demo version, replacing those present. */
  public static List<Path> rebuild(Path root, Consumer<String> progress) throws IOException {
    return build(root, true, progress);
  }

  private static List<Path> build(Path root, boolean force, Consumer<String> progress)
      throws IOException {
    List<Path> built = new ArrayList<>();
    for (Recipe recipe : RECIPES) {
      Path target = recipe.dir(root);
      if (!force && isSavedModel(target)) {
        progress.accept(recipe.name() + ": present");
        continue;
      }
      long start = System.nanoTime();
      Files.createDirectories(target.getParent());
      Path staging = Files.createDirectory(sibling(target, "new"));
      try {
        String summary = recipe.writer().write(staging);
        if (!moveIntoPlace(staging, target, force)) {
          progress.accept(recipe.name() + ": present (written meanwhile by another builder)");
          continue;
        }
        progress.accept(
            String.format(
                Locale.ROOT,
                "%s: built in %.1f s, %s",
                recipe.name(), (System.nanoTime() - start) / 1e9, summary));
        built.add(target);
      } finally {
        deleteRecursively(staging);
      }
    }
    return List.copyOf(built);
  }

  private static String iris(Path versionDir, IrisClassifier.Quality quality) throws IOException {
    IrisClassifier classifier = IrisClassifier.train(quality);
    classifier.export(versionDir);
    // Measured on the written SavedModel, so the number is what a server will see.
    return String.format(
        Locale.ROOT,
        "MLP 4-%d-3 trained %d epochs, accuracy %s",
        IrisClassifier.HIDDEN, classifier.epochs(), IrisClassifier.accuracy(versionDir));
  }

  private static String wide(Path versionDir) throws IOException {
    WideModel.export(versionDir);
    return String.format(
        Locale.ROOT, "MLP 4-%d-%d-3 with seeded weights", WideModel.HIDDEN, WideModel.HIDDEN);
  }

  private static boolean isSavedModel(Path versionDir) {
    return Files.isRegularFile(versionDir.resolve("saved_model.pb"));
  }

  /**
   * Renames {@code staging} to {@code target}. A target that is not a SavedModel (or any target,
   * when {@code replace}) is first renamed aside, put back if the swap fails and deleted after.
   * Returns false, leaving the target alone, when another builder put a SavedModel there first.
   */
  private static boolean moveIntoPlace(Path staging, Path target, boolean replace)
      throws IOException {
    if (Files.exists(target) && (replace || !isSavedModel(target))) {
      Path aside = Files.createDirectory(sibling(target, "old"));
      Path old = aside.resolve(target.getFileName());
      Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
      try {
        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
        throw e;
      }
      deleteRecursively(aside);
      return true;
    }
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
      if (isSavedModel(target)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * A fresh folder name beside {@code target}, hidden and not a number, so model servers scanning
   * for versions ignore it. Not {@code createTempDirectory}: its owner-only permissions would stay
   * on the version folder after the rename.
   */
  private static Path sibling(Path target, String purpose) {
    String name = "." + target.getFileName() + "-" + purpose + "-" + UUID.randomUUID();
    return target.resolveSibling(name);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(DemoModels::delete);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code build-models [--root models] [--force]}: exit code 0 when all is built, 1 if not. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new Cli()).execute(args));
  }

  @Command(
      name = "build-models",
      description = "Builds the demo SavedModels iris/1, iris/2 and wide/1 that are missing.")
  static final class Cli implements Callable<Integer> {

    @Option(
        names = "--root",
        defaultValue = "models",
        description = "Model root in TF Serving layout (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--force", description = "Rebuild versions that are already present.")
    boolean force;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public Integer call() {
      try {
        List<Path> built =
            force ? rebuild(root, System.out::println) : ensure(root, System.out::println);
        System.out.printf("%d built under %s%n", built.size(), root.toAbsolutePath());
        return 0;
      } catch (IOException | RuntimeException e) {
        System.err.println("build-models failed: " + e);
        return 1;
      }
    }
  }
}
