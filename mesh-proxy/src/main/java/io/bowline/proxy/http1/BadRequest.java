package io.bowline.proxy.http1;

/**
 * What {@link Http1RequestDecoder} emits instead of a request it refuses: the status to answer with
 * (400, 408, 414, 431, 501, 505) and why. The connection is closed after the answer; nothing of the
 * request has been passed on.
 *
 * @param status the HTTP status
 * @param reason one line naming what was wrong (sent as the response body)
 */
public record BadRequest(int status, String reason) {}
