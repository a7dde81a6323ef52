/**
 * The service-provider seam a runtime implements so that {@code MeshClient.builder().build()} finds it
 * through {@link java.util.ServiceLoader}. JDK types only: imports nothing outside {@code java.*} and {@code
 * io.bowline.api}.
 */
package io.bowline.api.spi;
