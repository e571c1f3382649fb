package io.turnout.ops.packaging;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the node reads, taken from its own configuration files, so that the packaging's tests fail
 * when a setting is renamed on one side only.
 */
final class NodeSettings {
  /** The modules on the node's classpath whose reference.conf / application.conf the node reads. */
  private static final List<String> NODE_MODULES = List.of("protocol", "persistence", "cluster-node");
  private static final Pattern OPTIONAL_ENV = Pattern.compile("\\$\\{\\?([A-Za-z_][A-Za-z0-9_]*)}");

  /**
   * Variables the packaging sets that the cluster-operations work (branch nodeops) adds to the
   * node: seed nodes from the environment and the drain period of a graceful leave. Accepted
   * while the node reads no variable of that kind; once it reads one, it must be exactly this name.
   */
  static final Map<String, String> AWAITED = Map.of("TURNOUT_SEED_NODES", "SEED", "TURNOUT_DRAIN_PERIOD", "DRAIN");

  /** Variables read by something else than the node's configuration, and by what. */
  static final Map<String, String> NOT_NODE_CONFIG = Map.of(
      "TF_ENABLE_ONEDNN_OPTS", "TensorFlow's native library",
      "TF_CPP_MIN_LOG_LEVEL", "TensorFlow's native library",
      "JAVA_TOOL_OPTIONS", "the JVM",
      "JDK_JAVA_OPTIONS", "the java launcher",
      "KUBERNETES_NAMESPACE", "pekko-discovery-kubernetes-api's reference.conf");

  private NodeSettings() {}

  /** Every {@code ${?NAME}} in the node modules' main configuration files. */
  static Set<String> environmentVariables() {
    Set<String> names = new TreeSet<>();
    for (String module : NODE_MODULES) {
      for (Path conf : Repo.files(Repo.path(module + "/src/main/resources"), ".conf")) {
        names.addAll(optionalEnvironment(Repo.read(conf)));
      }
    }
    return names;
  }

  static Set<String> optionalEnvironment(String hocon) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = OPTIONAL_ENV.matcher(hocon);
    while (matcher.find()) names.add(matcher.group(1));
    return names;
  }

  /**
   * Why {@code name}, set in a node's environment, is wrong; null when the node (or
   * {@code alsoRead}, e.g. a config file the packaging mounts) reads it.
   */
  static String problemWith(String name, Set<String> alsoRead) {
    Set<String> read = environmentVariables();
    if (read.contains(name) || alsoRead.contains(name) || NOT_NODE_CONFIG.containsKey(name)) return null;
    if (AWAITED.containsKey(name)) {
      String kind = AWAITED.get(name);
      List<String> sameKind = read.stream().filter(n -> n.startsWith("TURNOUT_") && n.contains(kind)).toList();
      if (sameKind.isEmpty()) return null;
      return name + " is not read by the node, which reads " + sameKind + " instead: rename it in the packaging";
    }
    return name + " is read neither by the node's configuration (no ${?" + name + "} in " + NODE_MODULES
        + " src/main/resources) nor by " + NOT_NODE_CONFIG.keySet();
  }

  /** The node's defaults: cluster-node's own configuration files, resolved without the environment. */
  static Config defaults() {
    Path resources = Repo.path("cluster-node/src/main/resources");
    Config merged = ConfigFactory.empty();
    for (String file : List.of("http.conf", "cluster.conf", "reference.conf")) {
      merged = merged.withFallback(ConfigFactory.parseFile(resources.resolve(file).toFile()));
    }
    return merged.resolve(ConfigResolveOptions.noSystem().setAllowUnresolved(true));
  }

  static int httpPort() {
    return defaults().getInt("turnout.serving.http.port");
  }

  static int adminPort() {
    return defaults().getInt("turnout.admin.http.port");
  }

  static int remotingPort() {
    return defaults().getInt("pekko.remote.artery.canonical.port");
  }

  /** Pekko Management's default HTTP port (its reference.conf; the node does not change it). */
  static final int MANAGEMENT_PORT = 8558;
}
