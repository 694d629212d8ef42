"""`python -m common` runs the sanji CLI (the demo uses it to start node processes)."""
from .cli import main

main()
