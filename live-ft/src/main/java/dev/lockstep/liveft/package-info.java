/** Primary and backup: logging channel, acks, output rule, heartbeats, arbiter, go-live, re-sync. */
package dev.lockstep.liveft;
