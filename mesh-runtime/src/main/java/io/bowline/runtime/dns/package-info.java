/**
 * Name resolution for {@code LOGICAL_DNS} and {@code STRICT_DNS} clusters, into endpoint assignments.
 * Imports only the config model: no other runtime package.
 */
package io.bowline.runtime.dns;
