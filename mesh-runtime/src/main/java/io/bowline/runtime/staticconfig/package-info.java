/**
 * Static configuration: an Envoy bootstrap ({@code static_resources}) or a resources file, in YAML
 * or JSON, read into Envoy protos and run through the same validation as xDS responses. Imports
 * {@code xds} (for the resource types and decoder), never the transport.
 */
package io.bowline.runtime.staticconfig;
