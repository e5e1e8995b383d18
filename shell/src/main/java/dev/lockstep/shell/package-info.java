/** The lockstep command line, the REPL, the gdb remote stub, reports. */
package dev.lockstep.shell;
