"""Allow ``python -m ipe``."""

from ipe.cli import main

if __name__ == "__main__":
    main()
