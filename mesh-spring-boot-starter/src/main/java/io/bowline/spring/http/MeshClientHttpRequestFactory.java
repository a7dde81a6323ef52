package io.bowline.spring.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.AbstractBufferingClientHttpRequest;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.ClientHttpResponse;

/**
 * A {@link ClientHttpRequestFactory} whose requests the mesh routes ({@link MeshHttpTransport}):
 * for {@code RestClient}, {@code RestTemplate} and the {@code @HttpExchange} interfaces built on
 * them. The calling thread waits for the response; an interrupt cancels the exchange and throws
 * {@link java.io.InterruptedIOException}.
 */
public final class MeshClientHttpRequestFactory implements ClientHttpRequestFactory {
  private final MeshHttpTransport transport;

  /** @param transport the mesh's HTTP transport (the application's one bean) */
  public MeshClientHttpRequestFactory(MeshHttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
    return new Request(uri, httpMethod);
  }

  private final class Request extends AbstractBufferingClientHttpRequest {
    private final URI uri;
    private final HttpMethod method;

    Request(URI uri, HttpMethod method) {
      this.uri = uri;
      this.method = method;
    }

    @Override
    public HttpMethod getMethod() {
      return method;
    }

    @Override
    public URI getURI() {
      return uri;
    }

    @Override
    protected ClientHttpResponse executeInternal(HttpHeaders headers, byte[] body) throws IOException {
      return new Response(transport.send(new BufferedRequest(method.name(), uri, headers, body)));
    }
  }

  private static final class Response implements ClientHttpResponse {
    private final BufferedResponse response;

    Response(BufferedResponse response) {
      this.response = response;
    }

    @Override
    public HttpStatusCode getStatusCode() {
      return HttpStatusCode.valueOf(response.status());
    }

    @Override
    public String getStatusText() {
      return "";
    }

    @Override
    public HttpHeaders getHeaders() {
      return response.headers();
    }

    @Override
    public InputStream getBody() {
      return new ByteArrayInputStream(response.body());
    }

    @Override
    public void close() {
      // read whole: nothing to release
    }
  }
}
