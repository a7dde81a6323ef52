package io.bowline.proxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The proxy's arrows (main code): it is one more adapter on the runtime's pipeline, so it never
 * imports the runtime's other adapters or its xDS client (its own xDS transport plugs in under it); the HTTP/1 decoder, the HTTP/2
 * listener side, the byte tunnel and the admin pages know no mesh types; the command line sits on top.
 */
@AnalyzeClasses(packages = "io.bowline.proxy", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String P = "io.bowline.proxy";

  @ArchTest
  static final ArchRule theProxyIsAnAdapterNotASecondImplementation = noClasses().that()
      .resideOutsideOfPackage(P + ".xds..").should().dependOnClassesThat()
      .resideInAnyPackage("io.bowline.runtime.adapter..", "io.bowline.runtime.xds..", "io.bowline.runtime.snapshot.compile..")
      .because("the proxy plugs into the pipeline through UpstreamTransport, as the OkHttp and gRPC adapters do");

  @ArchTest
  static final ArchRule theXdsTransportCarriesStreamsOnly = noClasses().that().resideInAPackage(P + ".xds..")
      .should().dependOnClassesThat().resideInAnyPackage("io.bowline.runtime.xds.resource..",
          "io.bowline.runtime.xds.policy..", "io.bowline.proxy.outbound..", "io.bowline.proxy.cli..", "io.grpc..")
      .orShould().dependOnClassesThat().haveSimpleNameStartingWith("XdsClient")
      .because("the proxy's xDS transport only carries the runtime xDS client's streams (XdsTransport), without grpc-java");

  @ArchTest
  static final ArchRule theDecoderAndAdminKnowNoMesh = noClasses().that()
      .resideInAnyPackage(P + ".http1..", P + ".http2..", P + ".tunnel..", P + ".admin..")
      .should().dependOnClassesThat().resideInAnyPackage("io.bowline.runtime..", "io.bowline.api..", P + ".outbound..",
          P + ".cli..");

  @ArchTest
  static final ArchRule onlyTheCommandLineKnowsTheCommandLine = noClasses().that().resideOutsideOfPackage(P + ".cli..")
      .should().dependOnClassesThat().resideInAPackage(P + ".cli..");

  @ArchTest
  static final ArchRule theOutboundExchangeKnowsNoGateway = noClasses().that().resideInAPackage(P + ".outbound..")
      .should().dependOnClassesThat().resideInAPackage(P + ".gateway..")
      .because("a gateway's HTTP filter chain is one more ProxyListener of the outbound exchange");

  @ArchTest
  static final ArchRule theOutboundExchangeKnowsNoInboundSecurity = noClasses().that()
      .resideInAPackage(P + ".outbound..").should().dependOnClassesThat().resideInAPackage(P + ".inbound..")
      .because("the inbound listener's mTLS, RBAC and XFCC plug in as a RequestGuard and a front handler");

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching(P + ".(*)..").should().beFreeOfCycles();
}
