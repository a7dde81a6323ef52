package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.listener;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec §12.5, §13 and §14.6: PeerAuthentication and AuthorizationPolicy → the inbound listener of a proxyless
 * gRPC server, as istiod's {@code grpc} generator builds it.
 */
class InboundListenerTranslationTest {
  private static final ClientView GREETER = new ClientView("default", Map.of("app", "greeter", "version", "v1"));
  private static final String WILDCARD = "xds.istio.io/grpc/lds/inbound/0.0.0.0:8443";

  @TempDir
  Path dir;

  @BeforeEach
  void workload() {
    TestConfigs.write(dir, "00-greeter.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: grpc, protocol: GRPC, targetPort: 8443}, {number: 9090, name: admin}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: greeter-1}
        spec:
          address: 10.0.0.7
          labels: {app: greeter}
          ports: {admin: 9901}
        """);
  }

  private XdsResources translate(ClientView client, String securityYaml) {
    TestConfigs.write(dir, "10-security.yaml", securityYaml);
    return new XdsTranslator().translate(IstioConfigLoader.load(dir), client);
  }

  private static FilterChain chain(Listener listener) {
    assertThat(listener.getFilterChainsList()).hasSize(1);
    return listener.getFilterChains(0);
  }

  private static HttpConnectionManager hcm(Listener listener) throws IOException {
    return chain(listener).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
  }

  private static RBAC rbac(Listener listener, String filterName) throws IOException {
    HttpFilter filter = hcm(listener).getHttpFiltersList().stream().filter(f -> f.getName().equals(filterName))
        .findFirst().orElseThrow(() -> new AssertionError("no filter " + filterName));
    return filter.getTypedConfig().unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class).getRules();
  }

  private static List<String> filterNames(Listener listener) throws IOException {
    return hcm(listener).getHttpFiltersList().stream().map(HttpFilter::getName).toList();
  }

  @Test
  void oneListenerPerWorkloadAddressAndEndpointPortIncludingWildcards() {
    XdsResources resources = translate(GREETER, "");
    assertThat(resources.listeners().stream().map(Listener::getName).filter(n -> n.startsWith("xds.istio.io")))
        .containsExactly(
            "xds.istio.io/grpc/lds/inbound/10.0.0.7:8443", WILDCARD, "xds.istio.io/grpc/lds/inbound/[::]:8443",
            "xds.istio.io/grpc/lds/inbound/10.0.0.7:9901", "xds.istio.io/grpc/lds/inbound/0.0.0.0:9901",
            "xds.istio.io/grpc/lds/inbound/[::]:9901");
    Listener listener = listener(resources, "xds.istio.io/grpc/lds/inbound/[::]:8443");
    assertThat(listener.getAddress().getSocketAddress().getAddress()).isEqualTo("::");
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(8443);
  }

  @Test
  void aClientThatIsNoWorkloadOfTheServiceGetsNoInboundListener() {
    XdsResources resources = translate(new ClientView("default", Map.of("app", "other")), "");
    assertThat(resources.listeners()).noneMatch(l -> l.getName().startsWith("xds.istio.io"));
    assertThat(translate(new ClientView("other", Map.of("app", "greeter")), "").listeners())
        .noneMatch(l -> l.getName().startsWith("xds.istio.io"));
  }

  @Test
  void withoutPoliciesPermissiveIsServedAsPlaintextWithOnlyTheRouterAndANonForwardingRoute() throws IOException {
    Listener listener = listener(translate(GREETER, ""), WILDCARD);
    FilterChain chain = chain(listener);
    assertThat(chain.getName()).isEqualTo("inbound-plaintext");
    assertThat(chain.getFilters(0).getName()).isEqualTo("inbound-hcmplaintext");
    assertThat(chain.hasTransportSocket()).isFalse();
    assertThat(filterNames(listener)).containsExactly("envoy.filters.http.router");
    HttpConnectionManager hcm = hcm(listener);
    assertThat(hcm.getRouteConfig().getName()).isEqualTo("inbound");
    assertThat(hcm.getRouteConfig().getVirtualHosts(0).getDomainsList()).containsExactly("*");
    Route route = hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0);
    assertThat(route.getMatch().getPrefix()).isEqualTo("/");
    assertThat(route.hasNonForwardingAction()).isTrue();
  }

  @Test
  void strictRequiresClientCertificatesFromTheDefaultCertificateProvider() throws IOException {
    Listener listener = listener(translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        """), WILDCARD);
    FilterChain chain = chain(listener);
    assertThat(chain.getName()).isEqualTo("inbound-mtls");
    assertThat(chain.getFilters(0).getName()).isEqualTo("inbound-hcmmtls");
    assertThat(chain.getTransportSocket().getName()).isEqualTo("envoy.transport_sockets.tls");
    DownstreamTlsContext tls = chain.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
    assertThat(tls.getRequireClientCertificate().getValue()).isTrue();
    assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance().getInstanceName()).isEqualTo("default");
    assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance().getCertificateName()).isEqualTo("default");
    assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
        .getCaCertificateProviderInstance().getCertificateName()).isEqualTo("ROOTCA");
  }

  @Test
  void workloadPortLevelModeWinsThenWorkloadThenNamespaceThenMesh() {
    String policies = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: DISABLE}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: greeter}
        spec:
          selector: {matchLabels: {app: greeter}}
          mtls: {mode: UNSET}
          portLevelMtls:
            9901: {mode: DISABLE}
        """;
    XdsResources resources = translate(GREETER, policies);
    assertThat(chain(listener(resources, WILDCARD)).getName()).isEqualTo("inbound-mtls");
    assertThat(chain(listener(resources, "xds.istio.io/grpc/lds/inbound/0.0.0.0:9901")).getName())
        .isEqualTo("inbound-plaintext");
  }

  @Test
  void permissiveOnAWorkloadLabelledForAutoMtlsIsStrict() {
    ClientView autoMtls = new ClientView("default", Map.of("app", "greeter", "security.istio.io/tlsMode", "istio"));
    assertThat(chain(listener(translate(autoMtls, ""), WILDCARD)).getName()).isEqualTo("inbound-mtls");
  }

  @Test
  void permissiveToABowlineClientIsAnMtlsChainMatchedByTlsAndAPlaintextChainMatchedByRawBuffer() throws IOException {
    ClientView bowline = ClientView.sidecar("default", GREETER.labels(), "", true);
    Listener listener = listener(translate(bowline, ""), WILDCARD);
    assertThat(listener.getFilterChainsList()).extracting(FilterChain::getName)
        .containsExactly("inbound-mtls", "inbound-plaintext");
    FilterChain mtls = listener.getFilterChains(0);
    assertThat(mtls.getFilterChainMatch().getTransportProtocol()).isEqualTo("tls");
    assertThat(mtls.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class)
        .getRequireClientCertificate().getValue()).isTrue();
    FilterChain plaintext = listener.getFilterChains(1);
    assertThat(plaintext.getFilterChainMatch().getTransportProtocol()).isEqualTo("raw_buffer");
    assertThat(plaintext.hasTransportSocket()).isFalse();
  }

  @Test
  void aPortLevelPermissiveUnderANamespaceStrictGivesThatPortBothChainsAndTheOthersOnlyMtls() {
    ClientView bowline = ClientView.sidecar("default", GREETER.labels(), "", true);
    XdsResources resources = translate(bowline, """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: greeter}
        spec:
          selector: {matchLabels: {app: greeter}}
          portLevelMtls:
            9901: {mode: PERMISSIVE}
        """);
    assertThat(listener(resources, WILDCARD).getFilterChainsList()).extracting(FilterChain::getName)
        .containsExactly("inbound-mtls");
    assertThat(listener(resources, "xds.istio.io/grpc/lds/inbound/0.0.0.0:9901").getFilterChainsList())
        .extracting(FilterChain::getName).containsExactly("inbound-mtls", "inbound-plaintext");
  }

  @Test
  void denyFilterComesBeforeAllowFilterAndPoliciesAreNamedNamespaceNameRule() throws IOException {
    Listener listener = listener(translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: viewer}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules:
          - to: [{operation: {methods: [GET]}}]
          - from: [{source: {principals: [cluster.local/ns/default/sa/sleep]}}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-admin, namespace: istio-system}
        spec:
          action: DENY
          rules:
          - to: [{operation: {paths: [/admin*]}}]
        """), WILDCARD);
    assertThat(filterNames(listener))
        .containsExactly("envoy.filters.http.rbac.DENY", "envoy.filters.http.rbac", "envoy.filters.http.router");
    RBAC deny = rbac(listener, "envoy.filters.http.rbac.DENY");
    assertThat(deny.getAction()).isEqualTo(RBAC.Action.DENY);
    assertThat(deny.getPoliciesMap()).containsOnlyKeys("istio-system-deny-admin-0");
    RBAC allow = rbac(listener, "envoy.filters.http.rbac");
    assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(allow.getPoliciesMap()).containsOnlyKeys("default-viewer-0", "default-viewer-1");
  }

  @Test
  void allowNothingIsAnAllowFilterWithoutPoliciesWhichDeniesEverything() throws IOException {
    XdsResources resources = translate(GREETER, TestConfigs.istioFixture(
        "istio.io__tasks__security__authorization__authz-http__snip_configure_access_control_for_workloads_using_http_traffic_1.yaml")
        .toFile().exists() ? read("istio.io__tasks__security__authorization__authz-http__snip_configure_access_control_for_workloads_using_http_traffic_1.yaml") : "");
    RBAC allow = rbac(listener(resources, WILDCARD), "envoy.filters.http.rbac");
    assertThat(allow.getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(allow.getPoliciesMap()).isEmpty();
  }

  @Test
  void aPolicyAttachedToAGatewayIsSkippedNotAppliedToTheNamespace() throws IOException {
    XdsResources resources = translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: gateway-only}
        spec:
          targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: ingress}]
          action: DENY
          rules: [{}]
        """);
    assertThat(filterNames(listener(resources, WILDCARD))).containsExactly("envoy.filters.http.router");
    assertThat(resources.diagnostics()).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("spec.targetRefs") && d.contains("skipped"));
  }

  @Test
  void aDenyPolicyWithoutRulesMatchesNothingAndWritesNoFilter() throws IOException {
    Listener listener = listener(translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-nothing}
        spec: {action: DENY}
        """), WILDCARD);
    assertThat(filterNames(listener)).containsExactly("envoy.filters.http.router");
  }

  @Test
  void operationFieldsBecomeAndedOrsWithNegatedNotValuesAsIstiodWritesThem() throws IOException {
    Listener listener = listener(translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: ops}
        spec:
          rules:
          - to:
            - operation:
                hosts: ["*.example.com"]
                methods: [GET, POST]
                paths: ["*"]
                notPaths: [/private/*]
                ports: ["8443"]
        """), WILDCARD);
    Policy policy = rbac(listener, "envoy.filters.http.rbac").getPoliciesOrThrow("default-ops-0");
    assertThat(policy.getPrincipalsList()).containsExactly(Principal.newBuilder().setAndIds(
        Principal.Set.newBuilder().addIds(Principal.newBuilder().setAny(true))).build());
    List<Permission> and = policy.getPermissions(0).getAndRules().getRulesList();
    assertThat(and).hasSize(5);
    Permission host = and.get(0).getOrRules().getRules(0);
    assertThat(host.getHeader().getName()).isEqualTo(":authority");
    assertThat(host.getHeader().getStringMatch()).isEqualTo(
        StringMatcher.newBuilder().setSuffix(".example.com").setIgnoreCase(true).build());
    assertThat(and.get(1).getOrRules().getRulesList()).extracting(p -> p.getHeader().getStringMatch().getExact())
        .containsExactly("GET", "POST");
    assertThat(and.get(2).getOrRules().getRules(0).getUrlPath().getPath().getSafeRegex().getRegex()).isEqualTo(".+");
    assertThat(and.get(3).getNotRule().getOrRules().getRules(0).getUrlPath().getPath().getPrefix())
        .isEqualTo("/private/");
    assertThat(and.get(4).getOrRules().getRules(0).getDestinationPort()).isEqualTo(8443);
  }

  @Test
  void sourceFieldsBecomeAuthenticatedSpiffeMatchersAndIpRanges() throws IOException {
    Listener listener = listener(translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: sources}
        spec:
          rules:
          - from:
            - source:
                principals: [cluster.local/ns/default/sa/sleep]
                namespaces: [prod*]
                ipBlocks: [10.0.0.0/8, 192.168.1.1]
            when:
            - key: request.headers[x-token]
              values: [admin]
        """), WILDCARD);
    Policy policy = rbac(listener, "envoy.filters.http.rbac").getPoliciesOrThrow("default-sources-0");
    List<Principal> and = policy.getPrincipals(0).getAndIds().getIdsList();
    assertThat(and).hasSize(4);
    assertThat(and.get(0).getOrIds().getIds(0).getAuthenticated().getPrincipalName().getExact())
        .isEqualTo("spiffe://cluster.local/ns/default/sa/sleep");
    assertThat(and.get(1).getOrIds().getIds(0).getAuthenticated().getPrincipalName().getSafeRegex().getRegex())
        .isEqualTo(".*/ns/prod.*/.*");
    assertThat(and.get(2).getOrIds().getIdsList()).extracting(p -> p.getDirectRemoteIp().getAddressPrefix()
        + "/" + p.getDirectRemoteIp().getPrefixLen().getValue()).containsExactly("10.0.0.0/8", "192.168.1.1/32");
    assertThat(and.get(3).getOrIds().getIds(0).getHeader().getName()).isEqualTo("x-token");
    assertThat(policy.getPermissions(0).getAndRules().getRules(0).getAny()).isTrue();
  }

  @Test
  void whatIsNotTranslatedIsReportedByName() {
    XdsResources resources = translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: audit}
        spec: {action: AUDIT, rules: [{}]}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: ext}
        spec: {action: CUSTOM, provider: {name: opa}, rules: [{}]}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: jwt}
        spec:
          action: DENY
          rules: [{from: [{source: {notRequestPrincipals: ["*"]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: template}
        spec:
          rules:
          - to: [{operation: {paths: ["/users/{*}/profile"]}}]
          - when: [{key: request.unknown, values: [x]}]
        """);
    assertThat(errors(resources)).isEmpty();
    assertThat(resources.diagnostics()).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("AuthorizationPolicy default/audit") && d.contains("AUDIT policies are not translated"))
        .anyMatch(d -> d.contains("AuthorizationPolicy default/ext") && d.contains("provider opa")
            && d.contains("NOT checked"))
        .anyMatch(d -> d.contains("AuthorizationPolicy default/jwt") && d.contains("always match"))
        .anyMatch(d -> d.contains("spec.rules[0]") && d.contains("path template"))
        .anyMatch(d -> d.contains("spec.rules[1]") && d.contains("request.unknown"));
  }

  @Test
  void analyzeSaysWhenAPolicySelectsNoWorkloadOrMatchesIdentitiesOnAPlaintextWorkload() {
    String policies = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: nobody}
        spec:
          selector: {matchLabels: {app: nobody}}
          rules: [{}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: by-identity}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules:
          - from: [{source: {namespaces: [prod]}}]
        """;
    XdsResources permissive = translate(GREETER, policies);
    assertThat(permissive.diagnostics()).extracting(Diagnostic::toString)
        .anyMatch(d -> d.startsWith("INFO") && d.contains("AuthorizationPolicy default/nobody")
            && d.contains("selects no workload"))
        .anyMatch(d -> d.startsWith("WARNING") && d.contains("spec.rules[0].from[0].source.namespaces")
            && d.contains("default/{app=greeter}") && d.contains("never matches"));

    XdsResources strict = translate(GREETER, policies + """
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default}
        spec: {mtls: {mode: STRICT}}
        """);
    assertThat(strict.diagnostics()).extracting(Diagnostic::toString).noneMatch(d -> d.contains("never matches"));
  }

  @Test
  void invalidSecurityResourcesAreErrorsNamingTheField() {
    XdsResources resources = translate(GREETER, """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: bad}
        spec: {mtls: {mode: SOMETIMES}}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: bad}
        spec:
          action: CUSTOM
          rules: [{from: [{source: {}}]}]
        """);
    assertThat(errors(resources)).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("spec.mtls.mode") && d.contains("SOMETIMES"))
        .anyMatch(d -> d.contains("spec.provider") && d.contains("CUSTOM"))
        .anyMatch(d -> d.contains("spec.rules[0].from[0].source"));
  }

  private static String read(String fixture) throws IOException {
    return Files.readString(TestConfigs.istioFixture(fixture));
  }
}
