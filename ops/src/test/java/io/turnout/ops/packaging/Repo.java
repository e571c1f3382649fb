package io.turnout.ops.packaging;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The repository's files, and YAML read as plain maps and lists (merge keys and anchors resolved). */
final class Repo {
  private Repo() {}

  static Path root() {
    Path root = Path.of(System.getProperty("turnout.project.dir", "..")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("cluster-node"))) {
      throw new IllegalStateException("not the repository root: " + root);
    }
    return root;
  }

  static Path path(String relative) {
    return root().resolve(relative);
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every document of a YAML file; duplicate keys are an error, as in kubectl and compose. */
  static List<Object> yamlDocuments(Path file) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    List<Object> documents = new ArrayList<>();
    for (Object document : new Yaml(new SafeConstructor(options)).loadAll(read(file))) {
      if (document != null) documents.add(document);
    }
    return documents;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> yamlMap(Path file) {
    List<Object> documents = yamlDocuments(file);
    if (documents.size() != 1 || !(documents.get(0) instanceof Map)) {
      throw new AssertionError(file + " should hold one YAML mapping");
    }
    return (Map<String, Object>) documents.get(0);
  }

  /** Files under {@code dir} whose names end with one of {@code suffixes}, sorted. */
  static List<Path> files(Path dir, String... suffixes) {
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> Stream.of(suffixes).anyMatch(s -> p.getFileName().toString().endsWith(s)))
          .sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- navigating parsed YAML ----

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, String what) {
    if (!(node instanceof Map)) throw new AssertionError(what + " should be a mapping, is " + node);
    return (Map<String, Object>) node;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object node, String what) {
    if (!(node instanceof List)) throw new AssertionError(what + " should be a list, is " + node);
    return (List<Object>) node;
  }

  static Map<String, Object> mapOrEmpty(Object node, String what) {
    return node == null ? Map.of() : map(node, what);
  }

  static List<Object> listOrEmpty(Object node, String what) {
    return node == null ? List.of() : list(node, what);
  }

  /** The value at a path of keys, or null where any key is missing. */
  static Object at(Object node, String... keys) {
    Object current = node;
    for (String key : keys) {
      if (!(current instanceof Map<?, ?> m)) return null;
      current = m.get(key);
    }
    return current;
  }
}
