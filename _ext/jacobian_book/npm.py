"""Pinned npm packages for the build: fetched once, checked against the registry's hash.

The book serves the JavaScript it needs (Thebe, require.js, tippy.js, Popper,
MathJax for build-time typesetting) from the packages' npm tarballs, cached in
``.cache/npm`` (git-ignored) and fetched with ``npm pack --prefer-offline``
when missing (npm's own cache first). A tarball whose sha512 differs from the
pin is deleted, never used.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class NpmPackage:
    """A package version on the npm registry and its tarball's ``dist.integrity``."""

    name: str
    version: str
    integrity: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def tarball(self) -> str:
        """The file name that ``npm pack`` writes (``@scope/name`` gives ``scope-name``)."""
        return f"{self.folder}.tgz"

    @property
    def folder(self) -> str:
        """Its folder under the site's ``_static/``, named by version."""
        return f"{self.name.removeprefix('@').replace('/', '-')}-{self.version}"


class PackageUnavailable(RuntimeError):
    """A pinned npm package could not be had; the message says what to do."""


def sri(data: bytes, algorithm: str = "sha384") -> str:
    """The Subresource Integrity string of ``data``, e.g. ``sha384-<base64>``."""
    digest = hashlib.new(algorithm, data).digest()
    return f"{algorithm}-{base64.b64encode(digest).decode('ascii')}"


def cache_folder(srcdir: str | Path) -> Path:
    """``.cache/npm`` of the book: git-ignored, excluded from the pages."""
    return Path(srcdir) / ".cache" / "npm"


def npm_tarball(package: NpmPackage, cache: Path, npm: str | None = None) -> Path:
    """The package's tarball in ``cache``, fetched with ``npm pack`` if missing, verified.

    Parameters
    ----------
    package : NpmPackage
        Name, version and the registry's sha512 integrity.
    cache : Path
        Folder of the cached tarballs.
    npm : str, optional
        The npm executable; default: ``npm`` on PATH.

    Returns
    -------
    Path
        ``cache / package.tarball``, whose sha512 equals ``package.integrity``.

    Raises
    ------
    PackageUnavailable
        No cached tarball and npm missing or failing; or a tarball whose hash
        differs from the pinned one (it is deleted, never used).
    """
    tarball = cache / package.tarball
    if not tarball.is_file():
        npm = npm or shutil.which("npm")
        how = (f"install Node.js with npm (Debian or Ubuntu: `sudo apt-get install nodejs "
               f"npm`, or `sudo .ci/install-packages`; elsewhere https://nodejs.org) and "
               f"rebuild, or put {package.tarball} (npm pack {package.spec}) into {cache}")
        if npm is None:
            raise PackageUnavailable(f"npm not found and {tarball} not cached: {how}")
        cache.mkdir(parents=True, exist_ok=True)
        try:
            proc = subprocess.run(
                # --prefer-offline: npm's own cache first (fast, and works
                # offline once the package has been fetched on this machine).
                [npm, "pack", package.spec, "--prefer-offline", "--pack-destination", str(cache)],
                cwd=cache, capture_output=True, text=True, timeout=300,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise PackageUnavailable(
                f"`npm pack {package.spec}` failed ({error}): {how}") from None
        if proc.returncode != 0 or not tarball.is_file():
            tail = " ".join(proc.stderr.split()[-40:])
            raise PackageUnavailable(
                f"`npm pack {package.spec}` failed (offline?): {tail}; {how}")
    found = sri(tarball.read_bytes(), "sha512")
    if found != package.integrity:
        tarball.unlink()
        raise PackageUnavailable(
            f"{tarball.name} has {found}, not the pinned {package.integrity}; the file was "
            "deleted. If the pin is wrong, compare with `npm view "
            f"{package.spec} dist.integrity`.")
    return tarball


def unpack(tarball: Path, members: dict[str, str], target: Path) -> list[Path]:
    """Copy files out of an npm tarball.

    Parameters
    ----------
    tarball : Path
        An npm package (``package/...`` inside).
    members : dict of str to str
        Glob pattern inside the package (``lib/*.js``) to the folder under
        ``target`` to put the matching files in (``""`` for ``target`` itself).
    target : Path
        Destination folder, created if missing.

    Returns
    -------
    list of Path
        The files written.
    """
    written = []
    with tarfile.open(tarball) as archive:
        for info in archive.getmembers():
            if not info.isfile():
                continue
            inside = PurePosixPath(info.name).relative_to("package")
            for pattern, folder in members.items():
                if inside.match(pattern) and inside.parent == PurePosixPath(pattern).parent:
                    out = target / folder / inside.name
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(archive.extractfile(info).read())
                    written.append(out)
    return written
