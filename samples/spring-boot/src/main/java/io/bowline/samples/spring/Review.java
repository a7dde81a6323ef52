package io.bowline.samples.spring;

/**
 * What the reviews service answers: the review's id and the version of reviews that served it.
 *
 * @param id the product id asked for
 * @param version {@code v1} or {@code v2}
 * @param caller the SPIFFE ID of the client certificate reviews saw (mutual TLS), or {@code none}
 */
public record Review(int id, String version, String caller) {}
