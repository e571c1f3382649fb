package io.turnout.node.cluster;

import com.typesafe.config.Config;
import io.turnout.protocol.KryoTable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.pekko.cluster.ConfigValidation;
import org.apache.pekko.cluster.Invalid;
import org.apache.pekko.cluster.JoinConfigCompatChecker;
import org.apache.pekko.cluster.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Refuses a node that must not join: one with another cluster secret (it would sign request ids
 * the others reject, and is not ours) or another Kryo registration table (its messages would be
 * misread). Each node carries a digest of both, {@code turnout.cluster.join-digest}, which
 * {@link #joinDigest} computes before the actor system starts; Pekko sends it with every join
 * request and this checker compares it, on the node asked and on the joining node. The secret
 * itself never leaves the node: the digest is an HMAC keyed by it.
 */
public final class ClusterCompatibility extends JoinConfigCompatChecker {
  public static final String DIGEST_PATH = "turnout.cluster.join-digest";
  /** The secret reference.conf ships for development; a node that runs with it warns. */
  public static final String DEVELOPMENT_SECRET = "turnout-development-secret";
  private static final Logger log = LoggerFactory.getLogger(ClusterCompatibility.class);

  @Override
  public Seq<String> requiredKeys() {
    return CollectionConverters.asScala(java.util.List.of(DIGEST_PATH)).toList();
  }

  @Override
  public ConfigValidation check(Config toCheck, Config actualConfig) {
    String ours = actualConfig.hasPath(DIGEST_PATH) ? actualConfig.getString(DIGEST_PATH) : "";
    String theirs = toCheck.hasPath(DIGEST_PATH) ? toCheck.getString(DIGEST_PATH) : "";
    if (!ours.isEmpty() && ours.equals(theirs)) return Valid.getInstance();
    String why = theirs.isEmpty()
        ? "the other node sent no " + DIGEST_PATH + ": it is not a Turnout node of this version"
        : "the other node's cluster secret (turnout.cluster.secret) or Kryo registrations "
            + "(turnout.serialization.kryo.registrations) differ from this node's (" + DIGEST_PATH + " "
            + abbreviate(theirs) + " here " + abbreviate(ours) + ")";
    log.error("Refusing to form a cluster with another node: {}", why);
    return Invalid.apply(CollectionConverters.asScala(java.util.List.of(why)).toList());
  }

  /** HMAC-SHA256, keyed by the cluster secret, of this node's Kryo table digest. */
  public static String joinDigest(Config config, ClassLoader loader) {
    String secret = config.getString("turnout.cluster.secret");
    if (secret.isEmpty()) throw new IllegalArgumentException("turnout.cluster.secret must not be empty");
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] digest = mac.doFinal(("turnout-join-v1|" + KryoTable.digest(config, loader)).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  private static String abbreviate(String digest) {
    return digest.length() > 12 ? digest.substring(0, 12) + "…" : digest;
  }
}
