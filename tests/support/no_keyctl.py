"""Run a command the way Docker's default seccomp profile would: add_key, request_key and
keyctl fail with EPERM. Usage: python -m tests.support.no_keyctl COMMAND [ARGS...]

The filter is a real seccomp-BPF program installed with prctl(2); it survives the exec.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys

# machine: (audit arch, (add_key, request_key, keyctl))
ARCHES = {"x86_64": (0xC000003E, (248, 249, 250)), "aarch64": (0xC00000B7, (217, 218, 219))}
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
RET_ALLOW = 0x7FFF0000
RET_EPERM = 0x00050000 | 1
LD_ABS_W, JEQ, RET = 0x20, 0x15, 0x06


def supported() -> bool:
    return sys.platform == "linux" and os.uname().machine in ARCHES


def install() -> None:
    arch, numbers = ARCHES[os.uname().machine]
    program = [
        (LD_ABS_W, 0, 0, 4),  # seccomp_data.arch
        (JEQ, 1, 0, arch),
        (RET, 0, 0, RET_ALLOW),
        (LD_ABS_W, 0, 0, 0),  # seccomp_data.nr
        (JEQ, 3, 0, numbers[0]),
        (JEQ, 2, 0, numbers[1]),
        (JEQ, 1, 0, numbers[2]),
        (RET, 0, 0, RET_ALLOW),
        (RET, 0, 0, RET_EPERM),
    ]
    filters = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))
    fprog = struct.pack("HxxxxxxP", len(program), ctypes.addressof(filters))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    prog = ctypes.create_string_buffer(fprog)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, prog, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_SECCOMP)")


if __name__ == "__main__":
    install()
    os.execvp(sys.argv[1], sys.argv[1:])
