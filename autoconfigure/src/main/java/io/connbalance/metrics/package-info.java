/**
 * Micrometer meters of every service and pod: requests, requests in flight, connections,
 * pod states, ejections, retries and discovery.
 */
package io.connbalance.metrics;
