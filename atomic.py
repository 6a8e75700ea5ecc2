"""Files written whole or never: a run stopped mid-write leaves the old file or none."""

import os
import secrets
from pathlib import Path


def atomic_write(path, write):
    """Call ``write(file)`` on a temporary binary file beside ``path``, then rename it to ``path``.

    The rename is atomic on POSIX file systems, so ``path`` never holds half a file. The
    temporary file is named before it is created, so that a signal arriving at any point,
    even between its creation and the ``try``, leaves nothing behind.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(tmp, "xb") as f:  # created 0666 less the umask, like any file
            write(f)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def save_figure(fig, path, dpi):
    """``fig.savefig(path)``, atomically; the format follows the file's suffix."""
    atomic_write(path, lambda f: fig.savefig(f, format=Path(path).suffix[1:], dpi=dpi))
