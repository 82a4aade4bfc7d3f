"""``python build.py`` is ``shopforest build``: build every shop of this project into site/."""

import sys

from generator.cli import main

if __name__ == "__main__":
    main(["build", *sys.argv[1:]])
