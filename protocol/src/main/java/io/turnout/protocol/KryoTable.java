package io.turnout.protocol;

import com.typesafe.config.Config;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The Kryo registration table as nodes compare it before one joins the others' cluster. */
public final class KryoTable {
  private KryoTable() {}

  /**
   * SHA-256 (hex) of the table {@code config} configures ({@code turnout.serialization.kryo.registrations}):
   * equal exactly when both sides register the same classes, with the same shapes, under the same ids.
   */
  public static String digest(Config config, ClassLoader loader) {
    String table = KryoRegistrations.fromConfig(config, loader).tableDescription();
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(table.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
