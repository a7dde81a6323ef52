/**
 * The gRPC xDS bootstrap (gRFC A27 and successors): the JSON, where it is found, the records the xDS client
 * is configured with. Imports no other runtime package.
 */
package io.bowline.runtime.bootstrap;
