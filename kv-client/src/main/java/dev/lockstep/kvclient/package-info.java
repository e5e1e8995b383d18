/** The client library of the kvserver guest (guests/kvserver.c), for tests, benchmarks and `lockstep client`. */
package dev.lockstep.kvclient;
