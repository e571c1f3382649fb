package io.turnout.persistence.rollout;

import io.turnout.protocol.rollout.RoutingTable;
import java.util.ArrayList;
import java.util.List;

/**
 * Records the routing tables a coordinator publishes, in order. The coordinator publishes in a
 * side effect of its persist, before it answers the testkit's next question, so by the time a
 * {@code runCommand} returns everything that command published is here: no waiting, and "nothing
 * was published" is an exact assertion instead of a timeout.
 */
final class PublishedTables implements RoutingPublisher {
  private final List<RoutingTable> tables = new ArrayList<>();

  @Override
  public synchronized void publish(RoutingTable table) {
    tables.add(table);
  }

  /** What was published since the last take, oldest first. */
  synchronized List<RoutingTable> take() {
    List<RoutingTable> taken = List.copyOf(tables);
    tables.clear();
    return taken;
  }
}
