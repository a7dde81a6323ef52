/**
 * The HTTP filter SPI: {@link io.bowline.api.filter.HttpFilter} over an {@link
 * io.bowline.api.filter.Exchange}, Envoy's HTTP filter model in Java's shape. JDK types only: imports
 * nothing outside {@code java.*} and {@code io.bowline.api}.
 */
package io.bowline.api.filter;
