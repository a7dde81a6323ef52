/**
 * The supported-field policy: which Envoy fields the runtime implements, ignores or refuses, checked before
 * parsing and rendered into {@code docs/supported-fields.md}. Imports only Envoy protos and protobuf.
 */
package io.bowline.runtime.xds.policy;
