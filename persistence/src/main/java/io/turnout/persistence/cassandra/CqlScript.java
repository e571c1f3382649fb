package io.turnout.persistence.cassandra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statements of a CQL file such as {@code cql/registry.cql}: the production schema, which the
 * local profile and the tests also run, under another keyspace name or replication.
 *
 * <p>Understands what those files hold: {@code --} and {@code //} comment lines and statements that
 * end with {@code ;} at the end of a line. Not a CQL parser.
 */
public record CqlScript(String name, List<String> statements) {
  private static final Pattern REPLICATION =
      Pattern.compile("WITH\\s+replication\\s*=\\s*\\{[^}]*}", Pattern.CASE_INSENSITIVE);

  public CqlScript {
    statements = List.copyOf(statements);
  }

  /** A script from the classpath, e.g. {@code cql/journal.cql}. */
  public static CqlScript load(String resource) {
    try (InputStream in = CqlScript.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) throw new IllegalArgumentException("no CQL script on the classpath: " + resource);
      return parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }

  static CqlScript parse(String name, String text) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.split("\\R")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("--") || trimmed.startsWith("//")) continue;
      if (current.length() > 0) current.append('\n');
      current.append(line.stripTrailing());
      if (trimmed.endsWith(";")) {
        statements.add(current.substring(0, current.length() - 1).strip());
        current.setLength(0);
      }
    }
    if (!current.toString().isBlank()) throw new IllegalArgumentException(name + " ends inside a statement: " + current);
    return new CqlScript(name, statements);
  }

  /** The same statements with keyspace {@code from} renamed to {@code to} (a whole-word match). */
  public CqlScript withKeyspace(String from, String to) {
    if (!to.matches("[A-Za-z0-9_]{1,48}")) throw new IllegalArgumentException("invalid keyspace name: " + to);
    Pattern word = Pattern.compile("\\b" + Pattern.quote(from) + "\\b");
    return new CqlScript(name, statements.stream().map(s -> word.matcher(s).replaceAll(to)).toList());
  }

  /** The same statements with every keyspace's replication replaced, e.g. by {@link #simpleStrategy}. */
  public CqlScript withReplication(String replicationMap) {
    String replacement = Matcher.quoteReplacement("WITH replication = " + replicationMap);
    return new CqlScript(name, statements.stream().map(s -> REPLICATION.matcher(s).replaceAll(replacement)).toList());
  }

  /** {@code {'class': 'SimpleStrategy', 'replication_factor': n}}, as the local profile uses. */
  public static String simpleStrategy(int replicationFactor) {
    return "{'class': 'SimpleStrategy', 'replication_factor': " + replicationFactor + "}";
  }
}
