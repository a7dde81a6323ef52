package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.bowline.api.config.InboundListener;
import io.bowline.api.config.InboundListener.DownstreamTls;
import io.bowline.api.config.InboundListener.FilterChainMatch;
import io.bowline.api.config.Rbac;
import io.bowline.api.config.Rbac.Permission;
import io.bowline.api.config.Rbac.Principal;
import io.bowline.api.config.StringMatcher;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a server listener (gRFC A36, as istiod's {@code grpc} generator writes it) into an
 * {@link InboundListener}: the socket address; per filter chain the {@code filter_chain_match} fields a server
 * decides on ({@code destination_port}, {@code transport_protocol}, {@code server_names}), the
 * {@code envoy.transport_sockets.tls} {@code DownstreamTlsContext} (certificate and roots as on the client side,
 * {@code require_client_certificate}) and the one HttpConnectionManager's {@code envoy.filters.http.rbac} filters
 * (gRFC A41). What would change who is let in and that the runtime cannot honour is refused by name: source and
 * prefix matches, other network filters, CEL conditions, {@code matcher}-based RBAC, filter-state and custom
 * principals, {@code require_sni}, HTTP filters other than RBAC and the router unless {@code is_optional}.
 *
 * <p>Certificate provider instance names are not checked here but when a server uses the port (whose handshakes
 * then fail, naming the instance): every client gets its workload's server listeners through wildcard LDS, and
 * one that serves nothing must not NACK them.
 */
final class InboundListenerParser {
  /** Any instance name is accepted here; see the class comment. */
  static final Set<String> ANY_INSTANCE = new java.util.AbstractSet<>() {
    @Override
    public boolean contains(Object o) {
      return true;
    }

    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.Collections.emptyIterator();
    }

    @Override
    public int size() {
      return 0;
    }
  };
  static final String RBAC_TYPE = "type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC";
  private static final String ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  private static final String DOWNSTREAM_TLS_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";

  private InboundListenerParser() {}

  static InboundListener parse(Listener proto) throws ResourceException {
    Set<String> instances = ANY_INSTANCE;
    if (!proto.getAddress().hasSocketAddress()) {
      throw new ResourceException("address", "a server listener needs a socket_address");
    }
    var socket = proto.getAddress().getSocketAddress();
    if (proto.getFilterChainsCount() == 0 && !proto.hasDefaultFilterChain()) {
      throw new ResourceException("filter_chains", "a server listener needs a filter chain");
    }
    List<InboundListener.FilterChain> chains = new ArrayList<>();
    for (int i = 0; i < proto.getFilterChainsCount(); i++) {
      chains.add(chain(proto.getFilterChains(i), "filter_chains[" + i + "]", instances));
    }
    InboundListener.FilterChain fallback = proto.hasDefaultFilterChain()
        ? chain(proto.getDefaultFilterChain(), "default_filter_chain", instances) : null;
    return new InboundListener(proto.getName(), socket.getAddress(), socket.getPortValue(), chains, fallback);
  }

  private static InboundListener.FilterChain chain(FilterChain chain, String at, Set<String> instances)
      throws ResourceException {
    var m = chain.getFilterChainMatch();
    String match = at + ".filter_chain_match";
    if (m.getPrefixRangesCount() > 0 || m.getSourcePrefixRangesCount() > 0 || m.getDirectSourcePrefixRangesCount() > 0
        || m.getSourcePortsCount() > 0 || m.getSourceTypeValue() != 0 || m.getApplicationProtocolsCount() > 0) {
      throw new ResourceException(match, "only destination_port, transport_protocol and server_names are supported"
          + " (prefix, source and application protocol matches are not)");
    }
    String transport = m.getTransportProtocol();
    if (!transport.isEmpty() && !transport.equals("raw_buffer") && !transport.equals("tls")) {
      throw new ResourceException(match + ".transport_protocol", "expected raw_buffer or tls, got " + transport);
    }
    FilterChainMatch chainMatch = new FilterChainMatch(m.hasDestinationPort() ? m.getDestinationPort().getValue() : 0,
        transport, m.getServerNamesList());
    DownstreamTls tls = chain.hasTransportSocket()
        ? transportSocket(chain.getTransportSocket(), at + ".transport_socket", instances) : null;
    if (chain.getFiltersCount() != 1) {
      throw new ResourceException(at + ".filters", "expected exactly one filter, the HttpConnectionManager, got "
          + chain.getFiltersCount());
    }
    var filter = chain.getFilters(0);
    String hcmAt = at + ".filters[0].typed_config";
    if (!filter.getTypedConfig().getTypeUrl().equals(TypeUrls.HTTP_CONNECTION_MANAGER)) {
      throw new ResourceException(hcmAt, "expected HttpConnectionManager, got " + filter.getTypedConfig().getTypeUrl());
    }
    HttpConnectionManager hcm = unpack(filter.getTypedConfig(), HttpConnectionManager.getDescriptor(), HttpConnectionManager.parser(), hcmAt);
    return new InboundListener.FilterChain(chain.getName(), chainMatch, tls, rbacFilters(hcm, hcmAt));
  }

  private static DownstreamTls transportSocket(TransportSocket socket, String at, Set<String> instances)
      throws ResourceException {
    String type = socket.getTypedConfig().getTypeUrl();
    if (!type.equals(DOWNSTREAM_TLS_TYPE)) {
      if (socket.getName().equals(TransportSocketParser.RAW_BUFFER) || type.endsWith(".RawBuffer")) {
        return null;
      }
      throw new ResourceException(at, "transport socket " + socket.getName() + " (" + type + ") is not supported;"
          + " only " + TransportSocketParser.TLS + " with a DownstreamTlsContext, or raw_buffer");
    }
    DownstreamTlsContext context = unpack(socket.getTypedConfig(), DownstreamTlsContext.getDescriptor(), DownstreamTlsContext.parser(), at + ".typed_config");
    if (context.getRequireSni().getValue()) {
      throw new ResourceException(at + ".typed_config.require_sni", "not supported");
    }
    var common = UpstreamTlsParser.parse(
        UpstreamTlsContext.newBuilder().setCommonTlsContext(context.getCommonTlsContext()).build(),
        at + ".typed_config", instances);
    if (common.certificate() == null) {
      throw new ResourceException(at + ".typed_config.common_tls_context",
          "a DownstreamTlsContext needs the server's certificate (tls_certificate_provider_instance or SDS)");
    }
    return new DownstreamTls(common, context.getRequireClientCertificate().getValue());
  }

  private static List<Rbac> rbacFilters(HttpConnectionManager hcm, String at) throws ResourceException {
    List<Rbac> filters = new ArrayList<>();
    int count = hcm.getHttpFiltersCount();
    for (int i = 0; i < count; i++) {
      HttpFilter f = hcm.getHttpFilters(i);
      String fAt = at + ".http_filters[" + i + "]";
      String type = f.getTypedConfig().getTypeUrl();
      if (type.equals(ROUTER_TYPE)) {
        if (i != count - 1) {
          throw new ResourceException(fAt, "the router \"" + f.getName() + "\" must be the last HTTP filter");
        }
      } else if (type.equals(RBAC_TYPE)) {
        var rbac = unpack(f.getTypedConfig(), io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor(), io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.parser(),
            fAt + ".typed_config");
        if (rbac.hasMatcher()) {
          throw new ResourceException(fAt + ".typed_config.matcher", "matcher-based RBAC is not supported; use rules");
        }
        if (rbac.hasRules()) { // no rules: the filter is a no-op (Envoy, gRFC A41); shadow rules only log
          filters.add(rules(f.getName(), rbac.getRules(), fAt + ".typed_config.rules"));
        }
      } else if (!f.getIsOptional()) {
        throw new ResourceException(fAt, "HTTP filter \"" + f.getName() + "\" (" + type + ") is not supported on a"
            + " server listener and not is_optional");
      }
    }
    return filters;
  }

  private static Rbac rules(String filterName, io.envoyproxy.envoy.config.rbac.v3.RBAC rules, String at)
      throws ResourceException {
    Rbac.Action action = switch (rules.getAction()) {
      case ALLOW -> Rbac.Action.ALLOW;
      case DENY -> Rbac.Action.DENY;
      case LOG -> Rbac.Action.LOG;
      default -> throw new ResourceException(at + ".action", "unknown action " + rules.getActionValue());
    };
    Map<String, Rbac.Policy> policies = new LinkedHashMap<>();
    for (var e : rules.getPoliciesMap().entrySet()) {
      String pAt = at + ".policies[\"" + e.getKey() + "\"]";
      var p = e.getValue();
      if (p.hasCondition() || p.hasCheckedCondition()) {
        throw new ResourceException(pAt + ".condition", "CEL conditions are not supported");
      }
      List<Permission> permissions = new ArrayList<>();
      for (int i = 0; i < p.getPermissionsCount(); i++) {
        permissions.add(permission(p.getPermissions(i), pAt + ".permissions[" + i + "]"));
      }
      List<Principal> principals = new ArrayList<>();
      for (int i = 0; i < p.getPrincipalsCount(); i++) {
        principals.add(principal(p.getPrincipals(i), pAt + ".principals[" + i + "]"));
      }
      policies.put(e.getKey(), new Rbac.Policy(permissions, principals));
    }
    return new Rbac(filterName, action, policies);
  }

  private static Permission permission(io.envoyproxy.envoy.config.rbac.v3.Permission p, String at)
      throws ResourceException {
    return switch (p.getRuleCase()) {
      case ANY -> new Permission.Any();
      case AND_RULES -> new Permission.And(permissions(p.getAndRules().getRulesList(), at + ".and_rules.rules"));
      case OR_RULES -> new Permission.Or(permissions(p.getOrRules().getRulesList(), at + ".or_rules.rules"));
      case NOT_RULE -> new Permission.Not(permission(p.getNotRule(), at + ".not_rule"));
      case HEADER -> new Permission.Header(RouteParser.header(p.getHeader(), at + ".header"));
      case URL_PATH -> new Permission.UrlPath(path(p.getUrlPath(), at + ".url_path"));
      case DESTINATION_PORT -> new Permission.DestinationPort(p.getDestinationPort());
      case DESTINATION_IP -> new Permission.DestinationIp(cidr(p.getDestinationIp()));
      case REQUESTED_SERVER_NAME -> new Permission.RequestedServerName(
          RouteParser.stringMatcher(p.getRequestedServerName(), at + ".requested_server_name"));
      case METADATA -> new Permission.Metadata(p.getMetadata().getFilter());
      default -> throw new ResourceException(at + "." + p.getRuleCase().name().toLowerCase(), "not supported");
    };
  }

  private static List<Permission> permissions(List<io.envoyproxy.envoy.config.rbac.v3.Permission> list, String at)
      throws ResourceException {
    List<Permission> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(permission(list.get(i), at + "[" + i + "]"));
    }
    return out;
  }

  @SuppressWarnings("deprecation")
  private static Principal principal(io.envoyproxy.envoy.config.rbac.v3.Principal p, String at)
      throws ResourceException {
    return switch (p.getIdentifierCase()) {
      case ANY -> new Principal.Any();
      case AND_IDS -> new Principal.And(principals(p.getAndIds().getIdsList(), at + ".and_ids.ids"));
      case OR_IDS -> new Principal.Or(principals(p.getOrIds().getIdsList(), at + ".or_ids.ids"));
      case NOT_ID -> new Principal.Not(principal(p.getNotId(), at + ".not_id"));
      case AUTHENTICATED -> new Principal.Authenticated(p.getAuthenticated().hasPrincipalName()
          ? RouteParser.stringMatcher(p.getAuthenticated().getPrincipalName(), at + ".authenticated.principal_name")
          : null);
      case HEADER -> new Principal.Header(RouteParser.header(p.getHeader(), at + ".header"));
      case URL_PATH -> new Principal.UrlPath(path(p.getUrlPath(), at + ".url_path"));
      case SOURCE_IP -> new Principal.DirectRemoteIp(cidr(p.getSourceIp()));
      case DIRECT_REMOTE_IP -> new Principal.DirectRemoteIp(cidr(p.getDirectRemoteIp()));
      case REMOTE_IP -> new Principal.RemoteIp(cidr(p.getRemoteIp()));
      case METADATA -> new Principal.Metadata(p.getMetadata().getFilter());
      default -> throw new ResourceException(at + "." + p.getIdentifierCase().name().toLowerCase(), "not supported");
    };
  }

  private static List<Principal> principals(List<io.envoyproxy.envoy.config.rbac.v3.Principal> list, String at)
      throws ResourceException {
    List<Principal> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      out.add(principal(list.get(i), at + "[" + i + "]"));
    }
    return out;
  }

  private static StringMatcher path(PathMatcher p, String at) throws ResourceException {
    if (!p.hasPath()) {
      throw new ResourceException(at + ".path", "required");
    }
    return RouteParser.stringMatcher(p.getPath(), at + ".path");
  }

  private static Rbac.Cidr cidr(CidrRange range) {
    return new Rbac.Cidr(range.getAddressPrefix(), range.hasPrefixLen() ? range.getPrefixLen().getValue() : -1);
  }

  private static <T extends Message> T unpack(Any any, com.google.protobuf.Descriptors.Descriptor type,
      com.google.protobuf.Parser<T> parser, String at) throws ResourceException {
    try {
      return Unpacking.unpack(any, type, parser);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode " + type.getName() + ": "
          + e.getMessage());
    }
  }
}
