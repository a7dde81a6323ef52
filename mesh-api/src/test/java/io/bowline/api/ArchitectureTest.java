package io.bowline.api;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** mesh-api's one arrow: out to the JDK only, so that an application can compile against it alone. */
@AnalyzeClasses(packages = "io.bowline.api", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule theApiImportsOnlyTheJdkAndItself = classes().should().onlyDependOnClassesThat()
      .resideInAnyPackage("java..", "io.bowline.api..")
      .because("mesh-api is JDK-only: users and SPIs see no runtime, proto or transport type");
}
