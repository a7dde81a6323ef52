package io.bowline.spring.feign;

import feign.Client;
import feign.Request;
import feign.Response;
import io.bowline.spring.http.BufferedRequest;
import io.bowline.spring.http.BufferedResponse;
import io.bowline.spring.http.MeshHttpTransport;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;

/**
 * Feign's {@link Client} on the mesh: each request goes through {@link MeshHttpTransport}, so
 * OpenFeign clients ({@code @FeignClient} with a {@code url} naming a mesh service's
 * {@code host:port}) are routed like RestClient's: the route's filters, faults, retries, timeouts
 * and load balancing, with Envoy's response flags in {@value MeshHttpTransport#RESPONSE_FLAGS_HEADER}.
 * Hosts the mesh does not know are called directly.
 *
 * <p>The calling thread waits for the response. The route's timeouts govern the call (as Envoy's);
 * Feign's {@link Request.Options} connect and read timeouts are not applied. Bodies are held in
 * memory both ways. Thread-safe.
 */
public final class MeshFeignClient implements Client {
  private final MeshHttpTransport transport;

  /** @param transport the mesh's HTTP transport (the application's one bean) */
  public MeshFeignClient(MeshHttpTransport transport) {
    this.transport = transport;
  }

  /**
   * @throws IOException if the request could not be sent to a host the mesh does not know, or the
   *     thread was interrupted while waiting ({@link java.io.InterruptedIOException})
   * @throws IllegalArgumentException if the request's URL is not an absolute URI
   */
  @Override
  public Response execute(Request request, Request.Options options) throws IOException {
    HttpHeaders headers = new HttpHeaders();
    request.headers().forEach((name, values) -> headers.addAll(name, new ArrayList<>(values)));
    byte[] body = request.body() == null ? new byte[0] : request.body();
    BufferedResponse r = transport.send(new BufferedRequest(request.httpMethod().name(), URI.create(request.url()), headers, body));
    Map<String, Collection<String>> responseHeaders = new LinkedHashMap<>();
    r.headers().forEach((name, values) -> responseHeaders.put(name, List.copyOf(values)));
    return Response.builder().request(request).status(r.status()).reason("").headers(responseHeaders).body(r.body()).build();
  }
}
