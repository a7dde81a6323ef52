/**
 * The gRPC xDS bootstrap (gRFC A27 and successors): parsing the JSON, finding it through the
 * environment, and the records the xDS client is configured with. Imports no other runtime package.
 */
package io.bowline.runtime.bootstrap;
