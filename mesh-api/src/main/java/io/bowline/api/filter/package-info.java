/**
 * The HTTP filter SPI: {@link io.bowline.api.filter.HttpFilter} over an
 * {@link io.bowline.api.filter.Exchange}. JDK types only.
 */
package io.bowline.api.filter;
