/**
 * Client status (CSDS-shaped config dump) rendered for people and tools. Reads only {@code io.bowline.api};
 * imports no other runtime package.
 */
package io.bowline.runtime.status;
