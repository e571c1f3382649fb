package io.turnout.persistence.cassandra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The classpath of the Cassandra server: {@code cassandra-all} and its dependencies, resolved by
 * Maven from the standalone POM that ships inside this module ({@code src/main/cassandra/pom.xml}),
 * never from a module's own dependencies, whose slf4j, logback, netty and jackson versions clash
 * with Cassandra's.
 *
 * <p>The first call runs {@code mvn dependency:build-classpath} on a copy of that POM (a few seconds
 * when the artifacts are in the local repository, a ~70 MB download on a fresh machine) and caches
 * the result in {@code <cache>/cassandra/classpath-<hash of the POM>.txt}; later calls read the
 * file, and resolve again only when the POM changed or a listed jar disappeared.
 *
 * <p>Maven is found, in order, from the system property {@code turnout.maven.executable}, the
 * environment variable {@code TURNOUT_MAVEN}, the system property {@code maven.home} (set by the
 * build for tests), {@code MAVEN_HOME}, then {@code mvn} on the {@code PATH}. The system property
 * {@code turnout.maven.repo.local}, when set, is passed on as {@code -Dmaven.repo.local}.
 */
public final class CassandraClasspath {
  static final String POM_RESOURCE = "/io/turnout/persistence/cassandra/pom.xml";
  private static final long RESOLVE_TIMEOUT_MINUTES = 15;

  private CassandraClasspath() {}

  /** The cached classpath, resolving it first when needed. */
  public static List<Path> resolve(Path cacheDir, Consumer<String> progress) {
    byte[] pom = pom();
    Path dir = cacheDir.resolve("cassandra");
    Path cached = dir.resolve("classpath-" + hash(pom) + ".txt");
    Optional<List<Path>> existing = read(cached);
    if (existing.isPresent()) return existing.get();

    progress.accept("resolving the Cassandra server's classpath with Maven (once; cached in " + cached + ")");
    try {
      Files.createDirectories(dir);
      Path pomCopy = Files.createTempFile(dir, "pom-", ".xml");
      Path output = Files.createTempFile(dir, "classpath-", ".tmp");
      Path log = dir.resolve("resolve.log");
      try {
        Files.write(pomCopy, pom);
        List<String> command = new ArrayList<>(List.of(maven(), "-B", "-ntp", "-q", "-f", pomCopy.toString(),
            "dependency:build-classpath", "-Dmdep.outputFile=" + output, "-Dmdep.includeScope=runtime"));
        String repoLocal = System.getProperty("turnout.maven.repo.local", "");
        if (!repoLocal.isBlank()) command.add("-Dmaven.repo.local=" + repoLocal);
        Process mvn = new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File(nullDevice())))
            .start();
        if (!mvn.waitFor(RESOLVE_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
          mvn.destroyForcibly();
          throw new IllegalStateException("Maven did not resolve the Cassandra classpath within "
              + RESOLVE_TIMEOUT_MINUTES + " minutes; see " + log);
        }
        if (mvn.exitValue() != 0) {
          throw new IllegalStateException("Maven failed to resolve the Cassandra classpath (exit " + mvn.exitValue()
              + "):\n" + Tail.of(log, 30) + "\n(full output in " + log + ")");
        }
        Files.move(output, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(pomCopy);
        Files.deleteIfExists(output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot resolve the Cassandra classpath in " + dir, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while resolving the Cassandra classpath", e);
    }
    return read(cached).orElseThrow(() -> new IllegalStateException(
        "Maven wrote a Cassandra classpath that names missing jars: " + cached));
  }

  /** The cached entries, if the file exists, names cassandra-all and every entry exists. */
  private static Optional<List<Path>> read(Path cached) {
    if (!Files.isRegularFile(cached)) return Optional.empty();
    try {
      String text = Files.readString(cached, StandardCharsets.UTF_8).strip();
      List<Path> entries = new ArrayList<>();
      for (String entry : text.split(File.pathSeparator)) {
        if (entry.isBlank()) continue;
        Path path = Path.of(entry);
        if (!Files.exists(path)) return Optional.empty();
        entries.add(path);
      }
      boolean hasServer = entries.stream().anyMatch(p -> p.getFileName().toString().startsWith("cassandra-all-"));
      return hasServer ? Optional.of(List.copyOf(entries)) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  static byte[] pom() {
    try (InputStream in = CassandraClasspath.class.getResourceAsStream(POM_RESOURCE)) {
      if (in == null) throw new IllegalStateException("missing resource " + POM_RESOURCE);
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Cassandra version the POM asks for, e.g. {@code 5.0.6}. */
  public static String version() {
    String pom = new String(pom(), StandardCharsets.UTF_8);
    int artifact = pom.indexOf("<artifactId>cassandra-all</artifactId>");
    int start = pom.indexOf("<version>", artifact) + "<version>".length();
    return pom.substring(start, pom.indexOf("</version>", start)).strip();
  }

  private static String hash(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String maven() {
    boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
    String executable = windows ? "mvn.cmd" : "mvn";
    String explicit = firstNonBlank(System.getProperty("turnout.maven.executable"), System.getenv("TURNOUT_MAVEN"));
    if (explicit != null) return explicit;
    for (String home : new String[] {System.getProperty("maven.home"), System.getenv("MAVEN_HOME")}) {
      if (home == null || home.isBlank()) continue;
      Path candidate = Path.of(home, "bin", executable);
      if (Files.isExecutable(candidate)) return candidate.toString();
    }
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        if (dir.isBlank()) continue;
        Path candidate = Path.of(dir, executable);
        if (Files.isExecutable(candidate)) return candidate.toString();
      }
    }
    throw new IllegalStateException("cannot find Maven to resolve the Cassandra classpath: put mvn on the PATH, "
        + "or set MAVEN_HOME or TURNOUT_MAVEN");
  }

  private static String firstNonBlank(String... values) {
    for (String value : values) if (value != null && !value.isBlank()) return value;
    return null;
  }

  private static String nullDevice() {
    return File.separatorChar == '\\' ? "NUL" : "/dev/null";
  }
}
