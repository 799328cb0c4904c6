"""Memory for checks at vocabulary-sized k: glibc is asked to keep freed blocks while arrays are large.

Not numerics: a check at k = 2^20 gives the same rows with or without it, only faster.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache

__all__ = ["arrays_reused"]

# Arrays over 2^20 classes are 8 MiB each, and a check makes hundreds of them.  glibc serves such
# blocks with fresh mmap()s or trims them back to the system when freed, so every new array pays
# its page faults again: about a third of the time of a check at k = 2^20 on a virtual machine
# (bench/numeric.py).  While the arrays are large, the allocator is asked to keep freed memory
# for reuse; afterwards its thresholds go back to glibc's documented defaults and the memory is
# returned.  Elsewhere than glibc this does nothing.
_LARGE = 1 << 16
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_DEFAULT_THRESHOLD = 128 * 1024


@contextmanager
def arrays_reused(k: int):
    libc = _glibc() if k >= _LARGE else None
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)   # glibc's largest allowed on 64-bit
    libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    try:
        yield
    finally:
        libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
        libc.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_THRESHOLD)
        libc.malloc_trim(0)


@lru_cache(maxsize=1)
def _glibc():
    """The C library when it is glibc (which has mallopt and malloc_trim), else None."""
    import ctypes
    import ctypes.util
    import platform

    if platform.libc_ver()[0] != "glibc":
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt.argtypes, libc.malloc_trim.argtypes = (ctypes.c_int, ctypes.c_int), (ctypes.c_size_t,)
    except (OSError, AttributeError):
        return None
    return libc
