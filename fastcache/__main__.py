"""`python -m fastcache [config-file] [--name value ...]` — same as fastcache-server."""
from fastcache.cli import main

if __name__ == "__main__":
    main()
