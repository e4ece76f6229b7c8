"""``python -m skaugment ...`` runs the command-line interface."""

from skaugment._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
