package io.turnout.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.turnout.persistence.rollout.RolloutCoordinator;
import io.turnout.persistence.rollout.RolloutState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A journal written by one release must be readable by the next: the history is the audit log,
 * and a coordinator that cannot replay its events crash-loops ("turnout-kryo cannot read a
 * message"). {@code src/test/resources/journal-compat/<release>.txt} holds, for every sample of
 * {@link JournalSamples}, the bytes that release wrote for it, made as the Cassandra journal and
 * snapshot store make them (Pekko's serializer for the value, its id and manifest). Every stored
 * entry of every release must read back, with the current code, as the sample of that name.
 *
 * <p>With {@code -Djournal.compat.record=<release>} the test first writes that release's file:
 * samples it lacks are serialized now, lines it has are kept byte for byte. Only the newest
 * release (or a newer one) can be written, and only while all of its lines still read back.
 */
@ExtendWith(LogCapturingExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JournalCompatibilityTest {
  static final String RECORD_PROPERTY = "journal.compat.record";
  private static final String RECORD_COMMAND = "mvn -o -B -ntp -pl persistence -am test -Dtest=JournalCompatibilityTest "
      + "-Dsurefire.failIfNoSpecifiedTests=false -D" + RECORD_PROPERTY + "=";
  private static final Pattern RELEASE = Pattern.compile("\\d+(\\.\\d+)*");
  private static final String FOLDER = "src/test/resources/journal-compat";
  private static final int SHOWN = 240;

  private final Map<String, Object> catalogue = JournalSamples.all();
  /** The module's folder: surefire sets basedir; an IDE runs tests in the module's folder. */
  private final Path folder =
      Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).resolve(FOLDER).toAbsolutePath();
  private ActorTestKit testKit;
  private Serialization serialization;

  @BeforeAll
  void anActorSystemConfiguredLikeTheNodesPersistence() {
    // node-like.conf includes "persistence" as the node's application.conf does; the serializer and
    // its registrations come from the protocol and persistence reference.conf files; Java
    // serialization is off, as cluster-node's serialization.conf has it.
    Config config = ConfigFactory.parseString("pekko.actor.allow-java-serialization = off")
        .withFallback(ConfigFactory.load("node-like"));
    testKit = ActorTestKit.create("JournalCompatibility", config);
    serialization = SerializationExtension.get(testKit.system().classicSystem());
    String release = System.getProperty(RECORD_PROPERTY, "").trim();
    if (!release.isEmpty()) record(release);
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  @TestFactory
  Stream<DynamicTest> everySampleOfEveryReleaseReadsBackAsItWasWritten() {
    List<StoredRelease> releases = storedReleases();
    assertFalse(releases.isEmpty(), "no <release>.txt in " + folder + ": record one with " + RECORD_COMMAND + "<release>");
    return releases.stream().flatMap(release -> release.entries().stream().map(entry ->
        dynamicTest(release.name() + " " + entry.name(), () -> {
          String problem = problemReading(entry);
          if (problem != null) {
            fail(entry.name() + " (" + release.file().getFileName() + ":" + entry.line() + "): a journal written by "
                + release.name() + " can no longer be read; add a new event type or a migration instead of changing "
                + "this one. " + problem);
          }
        })));
  }

  @Test
  void theNewestReleaseRecordsEverySample() {
    StoredRelease newest = newest(storedReleases());
    if (newest == null) fail("no <release>.txt in " + folder + ": record one with " + RECORD_COMMAND + "<release>");
    Set<String> recorded = new HashSet<>();
    newest.entries().forEach(entry -> recorded.add(entry.name()));
    List<String> missing = catalogue.keySet().stream().filter(name -> !recorded.contains(name)).toList();
    if (!missing.isEmpty()) {
      fail(missing + " not recorded in persistence/" + FOLDER + "/" + newest.file().getFileName() + ": a persisted "
          + "type or shape is unguarded until it is. Record it with " + RECORD_COMMAND + newest.name()
          + " (or the version being released) and commit the file.");
    }
  }

  /**
   * Every class the journal can hold (the events and the state, through their record components,
   * sealed subtypes and collections' element types) and every enum constant among them appears in
   * some sample; a new event, phase kind, component type or constant needs a sample to be guarded.
   */
  @Test
  void theSamplesHoldEveryPersistedClassAndConstant() {
    Set<Class<?>> persisted = reachableTurnoutClasses(List.of(RolloutCoordinator.Event.class, RolloutState.class));
    Set<Class<?>> seen = new HashSet<>();
    Set<Enum<?>> constantsSeen = new HashSet<>();
    catalogue.values().forEach(sample -> collect(sample, seen, constantsSeen));

    Set<String> missing = new TreeSet<>();
    for (Class<?> type : persisted) {
      if (type.isInterface()) continue;
      if (!seen.contains(type)) missing.add(type.getName());
      if (type.isEnum()) {
        for (Object constant : type.getEnumConstants()) {
          if (!constantsSeen.contains(constant)) missing.add(type.getName() + "." + ((Enum<?>) constant).name());
        }
      }
    }
    if (!missing.isEmpty()) {
      fail("no sample in JournalSamples holds " + missing + ": add one (a value the journal can hold is only "
          + "guarded once sampled) and record it with " + RECORD_COMMAND + "<release>");
    }
  }

  // ---- reading ----

  /** Null when {@code entry} reads back as the sample of its name, else what went wrong. */
  private String problemReading(StoredEntry entry) {
    Object expected = catalogue.get(entry.name());
    if (expected == null) {
      return "JournalSamples has no sample of this name any more: restore it (journals may hold such values).";
    }
    Object read;
    try {
      read = serialization.deserialize(entry.bytes(), entry.serializerId(), entry.manifest()).get();
    } catch (Exception e) {
      return "Reading it fails: " + e;
    }
    if (!expected.equals(read)) {
      return "It reads back as " + shorten(read) + " instead of " + shorten(expected);
    }
    return null;
  }

  private static String shorten(Object value) {
    String text = String.valueOf(value);
    return text.length() <= SHOWN ? text : text.substring(0, SHOWN) + "…";
  }

  private record StoredEntry(String name, int serializerId, String manifest, byte[] bytes, int line) {}

  private record StoredRelease(String name, Path file, List<StoredEntry> entries) {
    StoredEntry entry(String sample) {
      return entries.stream().filter(entry -> entry.name().equals(sample)).findFirst().orElse(null);
    }
  }

  /** Every release's file, oldest first. */
  private List<StoredRelease> storedReleases() {
    if (!Files.isDirectory(folder)) return List.of();
    try (Stream<Path> files = Files.list(folder)) {
      List<StoredRelease> releases = new ArrayList<>();
      for (Path file : files.sorted().toList()) {
        String fileName = file.getFileName().toString();
        String release = fileName.endsWith(".txt") ? fileName.substring(0, fileName.length() - 4) : "";
        if (!RELEASE.matcher(release).matches()) {
          throw new IllegalStateException(file + " is not named <release>.txt (e.g. 0.1.0.txt)");
        }
        releases.add(new StoredRelease(release, file, parse(file)));
      }
      releases.sort(Comparator.comparing(StoredRelease::name, JournalCompatibilityTest::compareReleases));
      return releases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<StoredEntry> parse(Path file) throws IOException {
    List<StoredEntry> entries = new ArrayList<>();
    Set<String> names = new HashSet<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] fields = line.split("\t", -1);
      String where = file.getFileName() + ":" + (i + 1);
      if (fields.length != 4) throw new IllegalStateException(where + ": expected name, serializer id, manifest, base64");
      if (!names.add(fields[0])) throw new IllegalStateException(where + ": " + fields[0] + " appears twice");
      try {
        entries.add(new StoredEntry(fields[0], Integer.parseInt(fields[1]), fields[2],
            Base64.getDecoder().decode(fields[3]), i + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(where + ": " + e.getMessage(), e);
      }
    }
    return entries;
  }

  private static StoredRelease newest(List<StoredRelease> releases) {
    return releases.isEmpty() ? null : releases.get(releases.size() - 1);
  }

  /** 0.2.0 before 0.10.0. */
  static int compareReleases(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      int c = Long.compare(i < x.length ? Long.parseLong(x[i]) : 0, i < y.length ? Long.parseLong(y[i]) : 0);
      if (c != 0) return c;
    }
    return 0;
  }

  // ---- recording ----

  private void record(String release) {
    if (!RELEASE.matcher(release).matches()) {
      throw new IllegalArgumentException("-D" + RECORD_PROPERTY + "=" + release + ": expected a release such as 0.2.0");
    }
    List<StoredRelease> releases = storedReleases();
    StoredRelease newest = newest(releases);
    if (newest != null && compareReleases(release, newest.name()) < 0) {
      throw new IllegalStateException("not recording " + release + ": " + newest.name() + " is newer, and an older "
          + "release's file holds what that release wrote; it is never rewritten");
    }
    StoredRelease existing = newest != null && compareReleases(release, newest.name()) == 0 ? newest : null;
    if (existing != null) {
      List<String> broken = existing.entries().stream()
          .filter(entry -> problemReading(entry) != null).map(StoredEntry::name).toList();
      if (!broken.isEmpty()) {
        throw new IllegalStateException("not rewriting " + existing.file() + ": " + broken + " no longer read back, so "
            + "journals written by " + release + " would not either. Add new samples instead of changing these; only "
            + "if " + release + " was never released may you delete its file and record it afresh.");
      }
    }

    StringBuilder text = new StringBuilder(header(release));
    int added = 0;
    for (Map.Entry<String, Object> sample : catalogue.entrySet()) {
      StoredEntry kept = existing == null ? null : existing.entry(sample.getKey());
      if (kept == null) {
        Serializer serializer = serialization.findSerializerFor(sample.getValue());
        kept = new StoredEntry(sample.getKey(), serializer.identifier(),
            Serializers.manifestFor(serializer, sample.getValue()), serializer.toBinary(sample.getValue()), 0);
        added++;
      }
      text.append(kept.name()).append('\t').append(kept.serializerId()).append('\t').append(kept.manifest())
          .append('\t').append(Base64.getEncoder().encodeToString(kept.bytes())).append('\n');
    }
    Path file = folder.resolve(release + ".txt");
    try {
      Files.createDirectories(folder);
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println("journal-compat: wrote " + file + " (" + catalogue.size() + " samples, " + added + " new)");
  }

  private static String header(String release) {
    return """
        # Journal compatibility samples of Turnout %1$s: the bytes %1$s writes to the rollout journal and
        # snapshot store (Cassandra) for each sample of
        # persistence/src/test/java/io/turnout/persistence/journal/JournalSamples.java.
        # JournalCompatibilityTest reads every file in this folder with the current code and expects each
        # sample back: a journal written by %1$s must stay readable. Never edit or delete this file.
        #
        # One line per sample, tab-separated: name, Pekko serializer id, manifest (empty: none), base64 bytes.
        #
        # A new release (or samples added to the newest one): record its file, then commit it, with
        #   %2$s<release>
        # Recording keeps every line already there byte for byte and only adds missing samples; it
        # refuses an older release than the newest file here.
        """.formatted(release, RECORD_COMMAND);
  }

  // ---- what the journal can hold ----

  /** The io.turnout classes reachable from {@code roots} through sealed subtypes and record components. */
  private static Set<Class<?>> reachableTurnoutClasses(List<Class<?>> roots) {
    Set<Class<?>> reached = new LinkedHashSet<>();
    Deque<Class<?>> queue = new ArrayDeque<>(roots);
    while (!queue.isEmpty()) {
      Class<?> type = queue.pop();
      if (!type.getName().startsWith("io.turnout.") || !reached.add(type)) continue;
      if (type.isInterface() || java.lang.reflect.Modifier.isAbstract(type.getModifiers())) {
        if (!type.isSealed()) {
          throw new IllegalStateException(type.getName() + " is persisted but not sealed: its implementations "
              + "cannot be listed, so this test cannot tell whether they are sampled");
        }
        queue.addAll(List.of(type.getPermittedSubclasses()));
      }
      if (type.isRecord()) {
        for (RecordComponent component : type.getRecordComponents()) addClassesOf(component.getGenericType(), queue);
      }
    }
    return reached;
  }

  private static void addClassesOf(Type type, Deque<Class<?>> queue) {
    if (type instanceof Class<?> plain) {
      queue.add(plain.isArray() ? plain.getComponentType() : plain);
    } else if (type instanceof ParameterizedType parameterized) {
      addClassesOf(parameterized.getRawType(), queue);
      for (Type argument : parameterized.getActualTypeArguments()) addClassesOf(argument, queue);
    }
  }

  /** Every class and enum constant inside {@code value}. */
  private static void collect(Object value, Set<Class<?>> classes, Set<Enum<?>> constants) {
    if (value == null) return;
    classes.add(value.getClass());
    if (value instanceof Enum<?> constant) {
      constants.add(constant);
    } else if (value instanceof Collection<?> collection) {
      collection.forEach(element -> collect(element, classes, constants));
    } else if (value instanceof Map<?, ?> map) {
      map.forEach((key, element) -> {
        collect(key, classes, constants);
        collect(element, classes, constants);
      });
    } else if (value.getClass().isRecord()) {
      for (RecordComponent component : value.getClass().getRecordComponents()) {
        try {
          collect(component.getAccessor().invoke(value), classes, constants);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException("cannot read " + component, e);
        }
      }
    }
  }
}
