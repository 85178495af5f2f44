"""Build the Cython core (fastcache._core.core) with the C kernels from csrc/.

FASTCACHE_DEBUG=1 builds with assertions (-DFC_DEBUG), -O0 -g and Cython's
bounds checks, for running the tests under a debug build.
"""
import glob
import os

from setuptools import Extension, setup
from Cython.Build import cythonize

DEBUG = os.environ.get("FASTCACHE_DEBUG", "") not in ("", "0")

csrc = sorted(glob.glob("csrc/*.c"))
if DEBUG:
    cflags = ["-O0", "-g3", "-DFC_DEBUG=1", "-UNDEBUG"]
    directives = {"boundscheck": True, "wraparound": True}
else:
    cflags = ["-O2", "-DNDEBUG"]
    directives = {}
cflags += ["-std=gnu11", "-Wno-unused-function", "-Wno-unused-variable",
           "-Wno-unused-but-set-variable", "-Wno-sign-compare"]

ext = Extension(
    "fastcache._core.core",
    sources=["fastcache/_core/core.pyx"] + csrc,
    include_dirs=["csrc"],
    extra_compile_args=cflags,
    depends=glob.glob("fastcache/_core/*.pxi") + glob.glob("csrc/*.h"),
)

setup(
    ext_modules=cythonize(
        [ext],
        language_level=3,
        compiler_directives=directives,
        force=DEBUG,
    ),
)
