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

  /** Variables read by something else than the node's configuration, and by what. */
  static final Map<String, String> NOT_NODE_CONFIG = Map.of(
      "TF_ENABLE_ONEDNN_OPTS", "TensorFlow's native library",
      "TF_CPP_MIN_LOG_LEVEL", "TensorFlow's native library",
      "JAVA_TOOL_OPTIONS", "the JVM",
      "JDK_JAVA_OPTIONS", "the java launcher",
      "POD_NAME", "ops/k8s/statefulset.yaml itself, to build TURNOUT_REMOTE_HOST");

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
   * Why {@code name}, set in a node's environment, is wrong; null when the node reads it. Every
   * {@code TURNOUT_*} variable must be one the node's configuration reads; any other must be one
   * of {@link #NOT_NODE_CONFIG}.
   */
  static String problemWith(String name) {
    if (environmentVariables().contains(name)) return null;
    if (name.startsWith("TURNOUT_")) {
      return name + " is not read by the node's configuration (no ${?" + name + "} in " + NODE_MODULES
          + " src/main/resources)";
    }
    if (NOT_NODE_CONFIG.containsKey(name)) return null;
    return name + " is read neither by the node's configuration nor by " + NOT_NODE_CONFIG.keySet();
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

  /** The node's own management port: /health/ready, /health/alive, /cluster/members. */
  static int managementPort() {
    return defaults().getInt("turnout.management.http.port");
  }
}
