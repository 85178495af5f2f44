"""Entry point: ``python -m bench compare [--quick|--full] [--target HOST:PORT ...]``."""
import sys

USAGE = """usage: python -m bench compare [options]   (python -m bench compare --help)
       python -m bench readme RESULT.json   (put a run's tables into README.md)"""


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    if argv[0] == "readme":
        from .readme import main as readme_main
        return readme_main(argv[1:])
    if argv[0] != "compare":
        print(f"unknown subcommand {argv[0]!r}\n{USAGE}", file=sys.stderr)
        return 2
    from .compare import main as compare_main
    return compare_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
