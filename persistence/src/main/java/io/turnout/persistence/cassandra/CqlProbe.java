package io.turnout.persistence.cassandra;

import io.turnout.persistence.cassandra.CassandraLauncher.ServerInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Asks a CQL port who answers: one connection, STARTUP and one query in the native protocol v4,
 * no driver. A driver session costs seconds of start-up and logs through whatever logging the
 * caller has; this costs milliseconds and logs nothing, which matters while polling a starting
 * server and for the {@code status} command.
 *
 * <p>Only what the probe needs: a server that asks for authentication, or replies with an error,
 * does not count as answering.
 */
final class CqlProbe {
  private static final byte VERSION_4 = 0x04;
  private static final byte RESPONSE_BIT = (byte) 0x80;
  private static final int OP_STARTUP = 0x01;
  private static final int OP_READY = 0x02;
  private static final int OP_QUERY = 0x07;
  private static final int OP_RESULT = 0x08;
  private static final int RESULT_ROWS = 0x0002;
  private static final int FLAG_GLOBAL_TABLES_SPEC = 0x0001;
  private static final int FLAG_HAS_MORE_PAGES = 0x0002;
  private static final int FLAG_NO_METADATA = 0x0004;
  private static final short CONSISTENCY_ONE = 0x0001;
  private static final int MAX_FRAME = 1 << 20;

  static final String QUERY = "SELECT release_version, cluster_name, data_center FROM system.local";

  private CqlProbe() {}

  /** Whether something accepts TCP connections on the port. */
  static boolean portOpen(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The node's answer to {@value #QUERY}, if it answers CQL. */
  static Optional<ServerInfo> ask(String host, int port, Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());

      ByteArrayOutputStream startup = new ByteArrayOutputStream();
      DataOutputStream body = new DataOutputStream(startup);
      body.writeShort(1); // a string map of one entry
      writeString(body, "CQL_VERSION");
      writeString(body, "3.0.0");
      send(out, 0, OP_STARTUP, startup.toByteArray());
      if (receive(in).opcode() != OP_READY) return Optional.empty();

      ByteArrayOutputStream query = new ByteArrayOutputStream();
      body = new DataOutputStream(query);
      byte[] text = QUERY.getBytes(StandardCharsets.UTF_8);
      body.writeInt(text.length);
      body.write(text);
      body.writeShort(CONSISTENCY_ONE);
      body.writeByte(0); // no values, no paging options
      send(out, 1, OP_QUERY, query.toByteArray());
      Frame result = receive(in);
      if (result.opcode() != OP_RESULT) return Optional.empty();
      List<String> row = firstRow(new DataInputStream(new ByteArrayInputStream(result.body())));
      return row.size() == 3 ? Optional.of(new ServerInfo(row.get(0), row.get(1), row.get(2))) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private record Frame(int opcode, byte[] body) {}

  private static void send(DataOutputStream out, int stream, int opcode, byte[] body) throws IOException {
    out.writeByte(VERSION_4);
    out.writeByte(0); // no flags
    out.writeShort(stream);
    out.writeByte(opcode);
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  private static Frame receive(DataInputStream in) throws IOException {
    byte version = in.readByte();
    if (version != (VERSION_4 | RESPONSE_BIT)) throw new IOException("not a CQL v4 response: version byte " + version);
    in.readByte(); // flags: no compression or tracing was asked for
    in.readShort(); // stream
    int opcode = in.readUnsignedByte();
    int length = in.readInt();
    if (length < 0 || length > MAX_FRAME) throw new IOException("implausible CQL frame length " + length);
    byte[] body = in.readNBytes(length);
    if (body.length != length) throw new IOException("CQL frame cut short");
    return new Frame(opcode, body); // OP_ERROR included: the caller wants only READY or RESULT
  }

  /** The text columns of the first row of a Rows result; empty for any other result. */
  private static List<String> firstRow(DataInputStream body) throws IOException {
    if (body.readInt() != RESULT_ROWS) return List.of();
    int flags = body.readInt();
    int columns = body.readInt();
    if ((flags & FLAG_HAS_MORE_PAGES) != 0) readBytes(body); // paging state
    if ((flags & FLAG_NO_METADATA) == 0) {
      boolean global = (flags & FLAG_GLOBAL_TABLES_SPEC) != 0;
      if (global) {
        readString(body);
        readString(body);
      }
      for (int i = 0; i < columns; i++) {
        if (!global) {
          readString(body);
          readString(body);
        }
        readString(body); // column name
        body.readUnsignedShort(); // type id: all three columns are text, which has no parameters
      }
    }
    if (body.readInt() < 1) return List.of();
    List<String> row = new ArrayList<>(columns);
    for (int i = 0; i < columns; i++) {
      byte[] value = readBytes(body);
      row.add(value == null ? null : new String(value, StandardCharsets.UTF_8));
    }
    return row;
  }

  private static void writeString(DataOutputStream out, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    out.writeShort(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(in.readNBytes(in.readUnsignedShort()), StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    return length < 0 ? null : in.readNBytes(length);
  }
}
