package io.bowline.runtime.admin;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.ResourceDump;
import io.envoyproxy.envoy.service.status.v3.ClientConfig;
import io.envoyproxy.envoy.service.status.v3.ClientStatusDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.status.v3.ClientStatusRequest;
import io.envoyproxy.envoy.service.status.v3.ClientStatusResponse;
import io.envoyproxy.envoy.service.status.v3.ConfigStatus;
import io.grpc.stub.StreamObserver;

/**
 * CSDS ({@code envoy.service.status.v3.ClientStatusDiscoveryService}) for one mesh client: both
 * {@code FetchClientStatus} and {@code StreamClientStatus} answer with one {@code ClientConfig} holding the
 * node and one {@code generic_xds_configs} entry per resource (type URL, name, version, the resource
 * redacted as in {@code /config_dump}, {@code client_status}, {@code config_status} and, for a NACKed one,
 * {@code error_state}), as grpc-java's {@code CsdsService} reports its xDS client. {@code node_matchers} are
 * ignored: a client has one node.
 */
final class CsdsService extends ClientStatusDiscoveryServiceGrpc.ClientStatusDiscoveryServiceImplBase {
  private final AdminSource source;

  CsdsService(AdminSource source) {
    this.source = source;
  }

  @Override
  public void fetchClientStatus(ClientStatusRequest request, StreamObserver<ClientStatusResponse> response) {
    response.onNext(status());
    response.onCompleted();
  }

  @Override
  public StreamObserver<ClientStatusRequest> streamClientStatus(StreamObserver<ClientStatusResponse> response) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ClientStatusRequest request) {
        response.onNext(status());
      }

      @Override
      public void onError(Throwable t) {
        // the caller went away; nothing is held per stream
      }

      @Override
      public void onCompleted() {
        response.onCompleted();
      }
    };
  }

  /** The client's status as one {@code ClientStatusResponse}. */
  ClientStatusResponse status() {
    DumpPrinter printer = new DumpPrinter();
    ClientConfig.Builder config = ClientConfig.newBuilder().setNode(source.node());
    for (ResourceDump r : source.resources()) {
      ClientConfig.GenericXdsConfig.Builder g = ClientConfig.GenericXdsConfig.newBuilder()
          .setTypeUrl(r.typeUrl()).setName(r.name()).setVersionInfo(r.version())
          .setClientStatus(ConfigDumps.status(r.state()))
          .setConfigStatus(configStatus(r.state()));
      if (r.accepted() != null) {
        g.setXdsConfig(printer.redactAny(ConfigDumps.unwrap(r.accepted())));
      }
      if (r.lastUpdated() != null) {
        g.setLastUpdated(ConfigDumps.timestamp(r.lastUpdated()));
      }
      var error = ConfigDumps.errorState(r, printer);
      if (error != null) {
        g.setErrorState(error);
      }
      config.addGenericXdsConfigs(g);
    }
    return ClientStatusResponse.newBuilder().addConfig(config).build();
  }

  private static ConfigStatus configStatus(ClientStatus.State state) {
    return switch (state) {
      case ACKED -> ConfigStatus.SYNCED;
      case NACKED -> ConfigStatus.ERROR;
      case REQUESTED -> ConfigStatus.NOT_SENT;
      case DOES_NOT_EXIST -> ConfigStatus.UNKNOWN;
    };
  }
}
