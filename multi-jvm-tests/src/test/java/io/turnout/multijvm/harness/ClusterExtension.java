package io.turnout.multijvm.harness;

import java.util.List;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One {@link LocalCluster} for all scenario classes of the test JVM, started on first use and
 * stopped when JUnit finishes (and by the cluster's shutdown hook otherwise). A start that failed
 * fails every later scenario at once with the same cause. Each scenario first brings the cluster
 * back to health ({@link LocalCluster#restore}), so one scenario's damage cannot leak into the next.
 */
public final class ClusterExtension implements BeforeAllCallback, ParameterResolver {
  /**
   * One model per scenario with a rollout, so that their rollouts and histories stay apart; the
   * first also carries the warm-up and the plain traffic of the other scenarios.
   */
  public static final List<String> MODELS = List.of("iris-restart", "iris-outage", "iris-crash");

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ClusterExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == LocalCluster.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return cluster(context);
  }

  private static LocalCluster cluster(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Attempt.class, key -> Attempt.start(),
        Attempt.class).cluster();
  }

  /**
   * For a scenario that starts a cluster of its own: stops the shared one first, if an earlier
   * scenario started it, so that two clusters never share the machine. A later scenario that needs
   * the shared cluster starts it again.
   */
  public static final class StopShared implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      Attempt attempt = context.getRoot().getStore(NAMESPACE).remove(Attempt.class, Attempt.class);
      if (attempt != null) attempt.close();
    }
  }

  private record Attempt(LocalCluster started, RuntimeException failure)
      implements ExtensionContext.Store.CloseableResource {
    static Attempt start() {
      try {
        return new Attempt(LocalCluster.start(MODELS), null);
      } catch (RuntimeException e) {
        return new Attempt(null, e);
      } catch (AssertionError e) {
        return new Attempt(null, new IllegalStateException(e.getMessage(), e));
      }
    }

    LocalCluster cluster() {
      if (failure != null) throw new IllegalStateException("the local cluster did not start: " + failure.getMessage(), failure);
      return started;
    }

    @Override
    public void close() {
      if (started != null) started.close();
    }
  }
}
