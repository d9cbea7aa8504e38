"""Paraphe's entry point: `python build.py` renders every contract of content/ into output/.

`python build.py --help` lists the commands (verifier, construire).
"""

from generator.cli import main

if __name__ == "__main__":
    main()
