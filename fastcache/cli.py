"""`fastcache-server [config-file] [--name value ...]`, redis-server's command line."""
import sys


def main(argv=None):
    """Parse the command line like redis-server, then run the server."""
    from fastcache import __version__
    from fastcache.config import Config, ConfigError
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-v", "--version"):
        print("fastcache server v=%s redis_version=7.0.15 bits=64" % __version__)
        return 0
    if argv and argv[0] in ("-h", "--help"):
        print("Usage: fastcache-server [/path/to/redis.conf] [options] [-]\n"
              "       fastcache-server - (read config from stdin)\n"
              "       fastcache-server -v or --version\n"
              "       fastcache-server -h or --help\n\n"
              "Examples:\n"
              "       fastcache-server (run the server with default conf)\n"
              "       fastcache-server /etc/redis/6379.conf\n"
              "       fastcache-server --port 7777\n"
              "       fastcache-server /etc/myredis.conf --loglevel verbose")
        return 0
    config = Config()
    try:
        config.load_args(argv)
    except ConfigError as exc:
        sys.stderr.write(str(exc) + "\n")
        sys.exit(1)
    from fastcache.server import run
    sys.exit(run(config))
