"""Logging in Redis's log line format, through picologging.

    12345:M 21 Nov 2026 11:56:39.123 * Ready to accept connections tcp

The level marks are Redis's: '.' debug, '-' verbose, '*' notice, '#' warning.
"""
import os
import sys
import time

import picologging

VERBOSE = 15

_MARKS = {picologging.DEBUG: ".", VERBOSE: "-", picologging.INFO: "*", picologging.WARNING: "#",
          picologging.ERROR: "#", picologging.CRITICAL: "#"}
LEVELS = {"debug": picologging.DEBUG, "verbose": VERBOSE, "notice": picologging.INFO,
          "warning": picologging.WARNING, "nothing": picologging.CRITICAL + 10}

role = "M"


class RedisFormatter(picologging.Formatter):
    """Formats records as `pid:role dd Mon yyyy HH:MM:SS.mmm <mark> message`."""

    def format(self, record):
        t = record.created
        ms = int((t - int(t)) * 1000)
        stamp = time.strftime("%d %b %Y %H:%M:%S", time.localtime(t))
        return "%d:%s %s.%03d %s %s" % (os.getpid(), role, stamp, ms,
                                        _MARKS.get(record.levelno, "*"), record.getMessage())


logger = picologging.getLogger("fastcache")


def setup(logfile="", level="notice"):
    """(Re)configure the server log: stdout when logfile is empty, else append to it."""
    for h in list(logger.handlers):
        logger.removeHandler(h)
        try:
            h.close()
        except Exception:
            pass
    handler = picologging.StreamHandler(sys.stdout) if not logfile else picologging.FileHandler(logfile)
    handler.setFormatter(RedisFormatter())
    logger.addHandler(handler)
    logger.setLevel(LEVELS.get(level, picologging.INFO))
    logger.propagate = False
    return logger
