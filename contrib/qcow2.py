#!/usr/bin/env python3
# qcow2.py for a qemu-iotests checkout, answered by qcow-batch: copy this file over
# tests/qemu-iotests/qcow2.py. Run as a script, it becomes `qcow-batch qcow2 ARGS...`
# (same arguments, standard streams and exit status). The binary is $QCOW_BATCH when
# set, else `qcow-batch` from PATH. Imported as a module (iotests 044 and 163 do), it
# offers QEMU's own qcow2_format classes, since a command cannot stand in for them.
import os
import sys

if __name__ == "__main__":
    binary = os.environ.get("QCOW_BATCH") or "qcow-batch"
    try:
        os.execvp(binary, [binary, "qcow2"] + sys.argv[1:])
    except OSError as error:
        sys.exit(f"qcow2.py: cannot run {binary}: {error.strerror} (set QCOW_BATCH to the qcow-batch binary)")
else:
    from qcow2_format import *  # noqa: F401,F403
