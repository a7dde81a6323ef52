/**
 * One {@code ResourceType} per xDS type (type URL, validation, conversion into the config model) and the
 * parsers it uses. May import routing to compile what it validates; must not import the xDS client,
 * snapshot, pipeline or adapters.
 */
package io.bowline.runtime.xds.resource;
