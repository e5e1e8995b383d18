/** Drives a machine with real inputs, stamps and logs them. */
package dev.lockstep.recorder;
