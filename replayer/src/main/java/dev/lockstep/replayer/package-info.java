/** Drives a machine from a log: checkpoints, seek, divergence detection. */
package dev.lockstep.replayer;
