"""``python -m generator.cli``: the shopforest command."""

from . import main

main()
