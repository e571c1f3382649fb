package io.turnout.ops.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoModelsTest {

  @TempDir Path root;

  @Test
  void buildsIrisV1V2AndWideOnceThenNothing() throws IOException {
    List<String> progress = new ArrayList<>();
    List<Path> built = DemoModels.ensure(root, progress::add);

    assertEquals(List.of(iris1(), iris2(), wide1()), built);
    for (Path version : built) {
      assertTrue(Files.isRegularFile(version.resolve("saved_model.pb")), version.toString());
      assertTrue(Files.isDirectory(version.resolve("variables")), version.toString());
    }
    assertOnlyVersionFolders();
    assertEquals(3, progress.size(), progress.toString());
    assertTrue(progress.get(0).startsWith("iris/1: built") && progress.get(0).contains("accuracy"));
    assertTrue(progress.get(1).startsWith("iris/2: built") && progress.get(1).contains("accuracy"));
    assertTrue(progress.get(2).startsWith("wide/1: built"), progress.get(2));
    double v1 = Served.irisAccuracy(iris1());
    double v2 = Served.irisAccuracy(iris2());
    assertTrue(v1 >= 0.70 && v1 <= 0.90, "v1 " + v1);
    assertTrue(v2 >= 0.95, "v2 " + v2);

    List<FileTime> before = modified(built);
    List<String> again = new ArrayList<>();
    assertEquals(List.of(), DemoModels.ensure(root, again::add));
    assertEquals(List.of("iris/1: present", "iris/2: present", "wide/1: present"), again);
    assertEquals(before, modified(built));
  }

  @Test
  void buildsOnlyTheMissingVersionsAndReplacesHalfWrittenOnes() throws IOException {
    DemoModels.ensure(root, line -> {});
    FileTime iris1Written = modified(List.of(iris1())).get(0);
    deleteRecursively(iris2());
    deleteRecursively(wide1());
    Files.createDirectories(wide1().resolve("variables")); // a copy that stopped half-way

    List<Path> built = DemoModels.ensure(root, line -> {});

    assertEquals(List.of(iris2(), wide1()), built);
    assertEquals(iris1Written, modified(List.of(iris1())).get(0));
    Served.assertRowsSumToOne(Served.probabilities(wide1(), new float[][] {{5f, 3f, 1.5f, 0.2f}}));
    assertOnlyVersionFolders();
  }

  @Test
  void rebuildReplacesPresentVersionsEvenBrokenOnes() throws IOException {
    BrokenModel.write(iris1());
    assertEquals(List.of(iris2(), wide1()), DemoModels.ensure(root, line -> {}));

    assertEquals(List.of(iris1(), iris2(), wide1()), DemoModels.rebuild(root, line -> {}));

    double v1 = Served.irisAccuracy(iris1());
    assertTrue(v1 >= 0.70 && v1 <= 0.90, "v1 " + v1);
    assertOnlyVersionFolders();
  }

  @Test
  void commandLineExitsZeroWhenBuiltAndOneWhenNot() throws IOException {
    assertEquals(0, new CommandLine(new DemoModels.Cli()).execute("--root", root.toString()));
    assertTrue(Files.isRegularFile(wide1().resolve("saved_model.pb")));

    Path notADirectory = Files.createFile(root.resolve("file"));
    assertEquals(
        1, new CommandLine(new DemoModels.Cli()).execute("--root", notADirectory.toString()));
  }

  private Path iris1() {
    return root.resolve("iris").resolve("1");
  }

  private Path iris2() {
    return root.resolve("iris").resolve("2");
  }

  private Path wide1() {
    return root.resolve("wide").resolve("1");
  }

  /** No staging or set-aside folders survive a build: only numeric version folders. */
  private void assertOnlyVersionFolders() throws IOException {
    for (String model : List.of("iris", "wide")) {
      try (Stream<Path> versions = Files.list(root.resolve(model))) {
        versions.forEach(
            v -> assertTrue(v.getFileName().toString().matches("\\d+"), "leftover " + v));
      }
    }
  }

  private static List<FileTime> modified(List<Path> versions) throws IOException {
    List<FileTime> times = new ArrayList<>();
    for (Path version : versions) {
      times.add(Files.getLastModifiedTime(version.resolve("saved_model.pb")));
    }
    return times;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
