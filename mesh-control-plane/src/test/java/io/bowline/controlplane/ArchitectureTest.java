package io.bowline.controlplane;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The control plane's arrows (main code): it never imports the runtime, and its stages point one
 * way, Istio YAML ({@code istio}) → xDS resources ({@code translate}) → the ADS server
 * ({@code server}) → the command line ({@code cli}).
 */
@AnalyzeClasses(packages = "io.bowline.controlplane", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String CP = "io.bowline.controlplane";

  @ArchTest
  static final ArchRule theControlPlaneNeverImportsTheRuntime = noClasses().should().dependOnClassesThat()
      .resideInAPackage("io.bowline.runtime..")
      .because("the control plane and the runtime meet only on the wire (tests may drive both)");

  @ArchTest
  static final ArchRule istioParsingKnowsNoLaterStage = noClasses().that().resideInAPackage(CP + ".istio..")
      .should().dependOnClassesThat().resideInAnyPackage(CP + ".translate..", CP + ".server..", CP + ".cli..");

  @ArchTest
  static final ArchRule translationKnowsNeitherServerNorCli = noClasses().that().resideInAPackage(CP + ".translate..")
      .should().dependOnClassesThat().resideInAnyPackage(CP + ".server..", CP + ".cli..");

  @ArchTest
  static final ArchRule theServerKnowsNoCli = noClasses().that().resideInAPackage(CP + ".server..")
      .should().dependOnClassesThat().resideInAPackage(CP + ".cli..");
}
