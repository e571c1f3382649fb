package io.turnout.persistence.cassandra;

import java.net.InetSocketAddress;

/** Where a Cassandra node answers CQL, and the datacenter the driver must call local. */
public record CassandraEndpoint(String host, int port, String datacenter) {

  public CassandraEndpoint {
    if (host == null || host.isBlank()) throw new IllegalArgumentException("host must not be blank");
    if (port < 1 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    if (datacenter == null || datacenter.isBlank()) throw new IllegalArgumentException("datacenter must not be blank");
  }

  /** {@code host:port}, as {@code turnout.cassandra.contact-points} and the driver take it. */
  public String contactPoint() {
    return host + ":" + port;
  }

  public InetSocketAddress address() {
    return new InetSocketAddress(host, port);
  }

  @Override
  public String toString() {
    return contactPoint() + " (" + datacenter + ")";
  }
}
