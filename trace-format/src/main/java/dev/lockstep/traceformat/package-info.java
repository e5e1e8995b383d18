/** Log entry model, binary codec, trace directory on Chronicle Queue, zstd, checkpoint store. */
package dev.lockstep.traceformat;
