package io.bowline.controlplane.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version from the jar manifest ({@code Implementation-Version}), or "development". */
final class VersionProvider implements IVersionProvider {

  @Override
  public String[] getVersion() {
    String version = ControlPlaneCli.class.getPackage().getImplementationVersion();
    return new String[] {"bowline-control-plane " + (version == null ? "development" : version)};
  }
}
