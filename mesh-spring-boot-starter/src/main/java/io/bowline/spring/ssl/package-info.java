/**
 * The server's TLS from the mesh: the workload certificate and trust bundle of the mesh client's certificate
 * provider as the Spring SSL bundle {@code bowline}. Uses the runtime, never the other starter packages.
 */
package io.bowline.spring.ssl;
