package io.turnout.persistence.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.Config;
import io.turnout.persistence.cassandra.RealCassandra;
import io.turnout.persistence.journal.Tally.Add;
import io.turnout.persistence.journal.Tally.Get;
import io.turnout.persistence.journal.Tally.Recovered;
import io.turnout.persistence.journal.Tally.Total;
import io.turnout.persistence.registry.CassandraModelRegistry;
import io.turnout.persistence.registry.RegisteredVersion;
import io.turnout.protocol.ModelVersionId;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.LogCapturingExtension;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Events and snapshots of an EventSourcedBehavior in the real Cassandra journal, read back by a new actor system. */
@ExtendWith({RealCassandra.class, LogCapturingExtension.class})
class CassandraJournalTest {
  /** The first use creates keyspaces and tables: far longer than a write. */
  private static final Duration FIRST_RECOVERY = Duration.ofSeconds(60);
  private static final Duration REPLY = Duration.ofSeconds(10);

  @Test
  void eventsAndSnapshotsOutliveTheActorSystemThatWroteThem(RealCassandra.Instance cassandra) {
    Config config = cassandra.config("journal_test");
    String id = "tally-outlives";

    ActorTestKit writer = ActorTestKit.create("journal-writer", config);
    try {
      ActorRef<Tally.Command> tally = spawn(writer, id, new Recovered(new Total(0, 0), 0), FIRST_RECOVERY);
      TestProbe<Total> replies = writer.createTestProbe();
      int sum = 0;
      for (int i = 1; i <= 7; i++) {
        sum += i;
        tally.tell(new Add(i, replies.ref()));
        replies.expectMessage(REPLY, new Total(sum, i));
      }
    } finally {
      writer.shutdownTestKit();
    }

    ActorTestKit reader = ActorTestKit.create("journal-reader", config);
    try {
      // Snapshots after events 3 and 6: recovery loads the one at 6 and replays event 7 alone.
      ActorRef<Tally.Command> tally = spawn(reader, id, new Recovered(new Total(28, 7), 1), REPLY);
      TestProbe<Total> replies = reader.createTestProbe();
      tally.tell(new Get(replies.ref()));
      replies.expectMessage(REPLY, new Total(28, 7));
      tally.tell(new Add(100, replies.ref()));
      replies.expectMessage(REPLY, new Total(128, 8));
    } finally {
      reader.shutdownTestKit();
    }

    try (CqlSession session = cassandra.openSession()) {
      List<Long> events = session.execute(
              "SELECT sequence_nr FROM journal_test_journal.messages WHERE persistence_id = ? AND partition_nr = 0", id)
          .all().stream().map(row -> row.getLong(0)).toList();
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), events);
      List<Long> snapshots = session.execute(
              "SELECT sequence_nr FROM journal_test_snapshot.snapshots WHERE persistence_id = ?", id)
          .all().stream().map(row -> row.getLong(0)).toList();
      assertEquals(List.of(6L, 3L), snapshots, "two snapshots kept, newest first");
    }
  }

  @Test
  void entitiesOfDifferentIdsKeepTheirOwnHistory(RealCassandra.Instance cassandra) {
    Config config = cassandra.config("journal_test");
    ActorTestKit testKit = ActorTestKit.create("journal-ids", config);
    try {
      TestProbe<Total> replies = testKit.createTestProbe();
      ActorRef<Tally.Command> a = spawn(testKit, "tally-a", new Recovered(new Total(0, 0), 0), FIRST_RECOVERY);
      ActorRef<Tally.Command> b = spawn(testKit, "tally-b", new Recovered(new Total(0, 0), 0), REPLY);
      a.tell(new Add(5, replies.ref()));
      replies.expectMessage(REPLY, new Total(5, 1));
      b.tell(new Add(7, replies.ref()));
      replies.expectMessage(REPLY, new Total(7, 1));
      testKit.stop(a);
      ActorRef<Tally.Command> again = spawn(testKit, "tally-a", new Recovered(new Total(5, 1), 1), REPLY);
      again.tell(new Get(replies.ref()));
      replies.expectMessage(REPLY, new Total(5, 1));
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void theRegistryOpenedFirstDoesNotKeepTheJournalFromCreatingItsTables(RealCassandra.Instance cassandra) throws Exception {
    // Keyspaces nobody has created yet: the journal creates its tables when it opens its session.
    ActorTestKit testKit = ActorTestKit.create("journal-after-registry", cassandra.config("registry_first"));
    try {
      CassandraModelRegistry registry = CassandraModelRegistry.forSystem(testKit.system()).toCompletableFuture()
          .get(FIRST_RECOVERY.toSeconds(), TimeUnit.SECONDS);
      RegisteredVersion version = new RegisteredVersion(new ModelVersionId("iris", 1), URI.create("file:///m/iris/1/"), 1);
      registry.register(version).toCompletableFuture().get(REPLY.toSeconds(), TimeUnit.SECONDS);

      TestProbe<Total> replies = testKit.createTestProbe();
      ActorRef<Tally.Command> tally = spawn(testKit, "tally-after-registry", new Recovered(new Total(0, 0), 0), FIRST_RECOVERY);
      tally.tell(new Add(3, replies.ref()));
      replies.expectMessage(REPLY, new Total(3, 1));
      assertEquals(List.of(version), registry.versions().toCompletableFuture().get(REPLY.toSeconds(), TimeUnit.SECONDS));
    } finally {
      testKit.shutdownTestKit();
    }
  }

  private static ActorRef<Tally.Command> spawn(ActorTestKit testKit, String id, Recovered expected, Duration within) {
    TestProbe<Recovered> recoveries = testKit.createTestProbe();
    ActorRef<Tally.Command> tally = testKit.spawn(Tally.create(id, recoveries.ref()));
    recoveries.expectMessage(within, expected);
    return tally;
  }
}
