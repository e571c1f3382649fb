package io.turnout.node.lifecycle;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replaces the JVM's SIGTERM handling. By default SIGTERM runs the shutdown hooks and the process
 * exits with 143 whatever they do; a node drains and should report a clean stop (0) to its
 * supervisor, so SIGTERM starts the drain instead, which ends in {@code System.exit}. Reached
 * through reflection because {@code sun.misc.Signal} is unsupported API (javac warns on direct use);
 * where it is missing the JVM's default stays and the shutdown hook still drains.
 */
public final class TermSignal {
  private static final Logger log = LoggerFactory.getLogger(TermSignal.class);

  private TermSignal() {}

  /** Runs {@code onTerm} on each SIGTERM; returns whether the handler is installed. */
  public static boolean handle(Runnable onTerm) {
    try {
      Class<?> signalType = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object term = signalType.getConstructor(String.class).newInstance("TERM");
      Object handler = Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType},
          (proxy, method, args) -> invoke(proxy, method, args, onTerm));
      signalType.getMethod("handle", signalType, handlerType).invoke(null, term, handler);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.warn("Cannot handle SIGTERM ({}); the JVM's shutdown hook drains the node instead, and it exits with 143", e.toString());
      return false;
    }
  }

  private static Object invoke(Object proxy, Method method, Object[] args, Runnable onTerm) {
    switch (method.getName()) {
      case "handle":
        onTerm.run();
        return null;
      case "equals":
        return proxy == args[0];
      case "hashCode":
        return System.identityHashCode(proxy);
      default:
        return "turnout SIGTERM handler";
    }
  }
}
