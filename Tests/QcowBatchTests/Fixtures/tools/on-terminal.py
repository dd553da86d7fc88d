#!/usr/bin/python3
"""Runs COMMAND ARGS... with standard error on a new pseudo-terminal and standard output on a
pipe; copies each to its own, with the terminal's CR LF line ends made LF, and exits with the
command's status."""
import os
import pty
import subprocess
import sys
import threading

master, slave = pty.openpty()
child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
os.close(slave)
stdout = []
reader = threading.Thread(target=lambda: stdout.append(child.stdout.read()))
reader.start()
terminal = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the child closed its end
        break
    if not chunk:
        break
    terminal += chunk
reader.join()
status = child.wait()
sys.stdout.buffer.write(stdout[0])
sys.stderr.buffer.write(terminal.replace(b"\r\n", b"\n"))
sys.exit(status)
