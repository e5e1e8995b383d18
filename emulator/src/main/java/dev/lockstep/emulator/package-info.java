/** The deterministic RISC-V machine: harts, bus, devices, ELF loader, snapshots, state hash. No dependencies. */
package dev.lockstep.emulator;
