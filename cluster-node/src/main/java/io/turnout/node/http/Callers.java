package io.turnout.node.http;

import java.net.InetAddress;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** Reads who a request comes from, for routing by the model's table. */
final class Callers extends AllDirectives {
  private static final Callers DIRECTIVES = new Callers();

  private Callers() {}

  /** Headers are looked up only when the routing table asks for one. */
  static Route extract(Function<Edge.Caller, Route> inner) {
    return DIRECTIVES.extractRequest(request -> DIRECTIVES.extractClientIP(ip -> inner.apply(new Edge.Caller(
        name -> request.getHeader(name).map(HttpHeader::value).orElse(null),
        ip.getAddress().map(InetAddress::getHostAddress).orElse("")))));
  }
}
