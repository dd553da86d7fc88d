#!/usr/bin/env python3
# qemu-iotests' qcow2.py, served by `qcow-batch qcow2`: the binary is $QCOW_BATCH, else qcow-batch from PATH.
import os
import sys

binary = os.environ.get("QCOW_BATCH", "qcow-batch")
os.execvp(binary, [binary, "qcow2"] + sys.argv[1:])
