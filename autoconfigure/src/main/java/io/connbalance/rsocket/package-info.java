/**
 * RSocket transports per pod for rsocket-java's load-balanced client, following the pod
 * list, with requests counted per pod.
 */
package io.connbalance.rsocket;
