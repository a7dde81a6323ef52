package io.bowline.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot of a client's xDS state in the shape of CSDS ({@code envoy.service.status.v3}).
 *
 * @param connected whether the ADS stream is open and has received a response
 * @param acceptedVersions per type URL, the {@code version_info} of the last ACKed response
 * @param resources one entry per resource the client requested or holds
 */
public record ClientStatus(
    boolean connected, Map<String, String> acceptedVersions, List<Resource> resources) {

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param connected whether the ADS stream is open and has received a response
   * @param acceptedVersions per type URL, the {@code version_info} of the last ACKed response
   * @param resources one entry per resource the client requested or holds
   */
  public ClientStatus {
    acceptedVersions = Map.copyOf(acceptedVersions);
    resources = List.copyOf(resources);
  }

  /**
   * The version of the last ACKed response of a type, or {@code ""} if none was accepted.
   *
   * @param typeUrl e.g. {@code type.googleapis.com/envoy.config.cluster.v3.Cluster}
   * @return the accepted {@code version_info}, or {@code ""}
   */
  public String versionOf(String typeUrl) {
    return acceptedVersions.getOrDefault(typeUrl, "");
  }

  /** CSDS {@code ClientResourceStatus}. */
  public enum State {
    /** Requested, nothing received yet. */
    REQUESTED,
    /** The server said it does not exist (or did not send it in time). */
    DOES_NOT_EXIST,
    /** Received and accepted. */
    ACKED,
    /** Received and rejected; the last accepted version, if any, is still in use. */
    NACKED
  }

  /**
   * One resource.
   *
   * @param typeUrl e.g. {@code type.googleapis.com/envoy.config.listener.v3.Listener}
   * @param name resource name
   * @param version version_info of the response that last carried it ({@code ""} if none)
   * @param state CSDS status
   * @param lastUpdated when it was last accepted or rejected, or {@code null}
   * @param error the reason of the last rejection, or {@code null}
   */
  public record Resource(
      String typeUrl, String name, String version, State state, Instant lastUpdated, String error) {}
}
