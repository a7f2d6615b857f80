"""Allow ``python -m sim`` as a synonym of the ``tcosim`` command."""

from sim.cli import main

if __name__ == "__main__":
    main()
