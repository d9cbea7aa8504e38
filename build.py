"""Paraphe's entry point: `python build.py` renders every contract of content/ into output/.

`python build.py --aide` lists the commands (construire, verifier, avenant, nouveau, apercu, relire, transmettre).
"""

from generator.cli import main

if __name__ == "__main__":
    main(prog_name="python build.py")  # as the user types it, in usage lines and error hints
