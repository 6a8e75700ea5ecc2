"""Files written whole or never: a run stopped mid-write leaves the old file or none."""

import os
import tempfile
from pathlib import Path

UMASK = os.umask(0o022)
os.umask(UMASK)


def atomic_write(path, write):
    """Call ``write(file)`` on a temporary binary file beside ``path``, then rename it to ``path``.

    The rename is atomic on POSIX file systems, so ``path`` never holds half a file.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(fd, 0o666 & ~UMASK)  # mkstemp's 0600 would hide the file from other users
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(fig, path, dpi):
    """``fig.savefig(path)``, atomically; the format follows the file's suffix."""
    atomic_write(path, lambda f: fig.savefig(f, format=Path(path).suffix[1:], dpi=dpi))
