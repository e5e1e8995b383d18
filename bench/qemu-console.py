#!/usr/bin/env python3
"""Drives a QEMU console with a lockstep input script (wait TEXT / send TEXT / sleep MS), for bench/record.sh.

Usage: qemu-console.py SCRIPT -- QEMU-COMMAND...
QEMU runs with -nographic (serial on stdio); each 'wait' blocks until the text has appeared in QEMU's output
since the previous wait, 'send' writes the bytes to QEMU's stdin, 'sleep' sleeps in host time. QEMU's
console output goes to stdout. Exits with QEMU's status (or 124 if a wait takes over 120 s).
"""
import os, re, select, subprocess, sys, time

def unescape(s):
    out = bytearray(); i = 0
    while i < len(s):
        c = s[i]
        if c == '\\' and i + 1 < len(s):
            e = s[i + 1]; i += 2
            if e == 'x':
                out.append(int(s[i:i + 2], 16)); i += 2
            else:
                out += {'r': b'\r', 'n': b'\n', 't': b'\t', '\\': b'\\'}[e]
        else:
            out += c.encode(); i += 1
    return bytes(out)

def main():
    sep = sys.argv.index('--')
    steps = []
    for line in open(sys.argv[1], encoding='utf-8'):
        line = line.lstrip().rstrip('\n').rstrip('\r')
        if not line or line.startswith('#'):
            continue
        verb, _, arg = line.partition(' ')
        steps.append((verb, arg))
    p = subprocess.Popen(sys.argv[sep + 1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    seen = b''
    def pump(timeout):
        nonlocal seen
        r, _, _ = select.select([p.stdout], [], [], timeout)
        if r:
            b = os.read(p.stdout.fileno(), 65536)
            if b:
                sys.stdout.buffer.write(b); sys.stdout.flush(); seen += b
            return b
        return None
    for verb, arg in steps:
        if verb == 'wait':
            want = unescape(arg); deadline = time.time() + 120
            while want not in seen:
                if time.time() > deadline or pump(0.5) == b'':
                    p.kill(); sys.exit(124)
            seen = seen[seen.index(want) + len(want):]
        elif verb == 'send':
            p.stdin.write(unescape(arg)); p.stdin.flush()
        elif verb == 'sleep':
            end = time.time() + int(arg) / 1000
            while time.time() < end:
                pump(max(0, end - time.time()))
    while pump(1.0) != b'' and p.poll() is None:
        pass
    sys.exit(p.wait())

main()
