"""The backup archive: a .tar.gz with the database, the media folder and a manifest.

Members:

    database/zirkel.sqlite3   SQLite: a copy made with the online backup API
    database/zirkel.pgdump    PostgreSQL: `pg_dump --format=custom`
    media/…                   every file of instance/media/, by its path in the folder
    manifest.json             written last: format and version, when, the database kind,
                              the Alembic revision, and the size and SHA-256 of each member

Reading an archive (`unpack`) checks every member against the manifest as it goes and
refuses anything it did not expect: a member the manifest does not list, a path outside
the archive's folders, a link, a missing member or one whose checksum differs.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

FORMAT = "zirkel-backup"
VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database/zirkel.sqlite3", "postgresql": "database/zirkel.pgdump"}
MEDIA = "media"
SUFFIXES = (".tar.gz", ".tgz")
_CHUNK = 1024 * 1024
_MAX_MANIFEST = 64 * 1024 * 1024


class BadArchive(Exception):
    """The archive cannot be trusted; the message says why, for the operator."""


class _Hashing:
    """A file object that hashes what is read from it (tarfile reads members through it)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha256.update(data)
        return data


class Writer:
    """Adds members to an archive being written, noting their size and checksum."""

    def __init__(self, tar: tarfile.TarFile, manifest: dict[str, Any]) -> None:
        self.tar = tar
        self.manifest = manifest

    def add(self, name: str, source: Path) -> int:
        """Add the file `source` as member `name`; returns its size."""
        with open(source, "rb") as raw:
            stat = os.fstat(raw.fileno())
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
            hashing = _Hashing(raw)
            self.tar.addfile(info, hashing)
        self.manifest["members"][name] = {
            "size": stat.st_size,
            "sha256": hashing.sha256.hexdigest(),
        }
        return stat.st_size


@contextmanager
def write(path: Path, **fields: Any) -> Iterator[Writer]:
    """A new archive at `path`; the manifest (with `fields`) is written when the block ends."""
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **fields,
        "members": {},
    }
    # The archive holds password hashes and e-mail addresses: for its owner only.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with (
        os.fdopen(fd, "wb") as file,
        tarfile.open(fileobj=file, mode="w:gz", format=tarfile.PAX_FORMAT) as tar,
    ):
        writer = Writer(tar, manifest)
        yield writer
        data = json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime, info.mode = len(data), int(datetime.now(UTC).timestamp()), 0o600
        tar.addfile(info, io.BytesIO(data))
    with open(path, "rb") as written:
        os.fsync(written.fileno())


def media_files(folder: Path) -> list[tuple[str, Path]]:
    """Every regular file under the media folder, as (member name, path), sorted."""
    found = []
    if not folder.is_dir():
        return found
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                relative = path.relative_to(folder).as_posix()
                found.append((f"{MEDIA}/{relative}", path))
    return found


def _safe_target(staging: Path, name: str) -> Path:
    """Where member `name` goes under `staging`; BadArchive for anything unexpected."""
    path = PurePosixPath(name)
    if name in DATABASE_MEMBERS.values():
        return staging / path
    if (
        len(path.parts) >= 2
        and path.parts[0] == MEDIA
        and not path.is_absolute()
        and not any(part in ("", ".", "..") for part in path.parts)
        and "\\" not in name
    ):
        return staging / path
    raise BadArchive(f"it holds {name!r}, which does not belong in a Zirkel backup")


def unpack(archive: Path, staging: Path, media: bool = True) -> dict[str, Any]:
    """Check the archive against its manifest, writing its members under `staging`.

    The media files are written under `staging/media` only if `media` is true (otherwise
    they are only checked). Returns the manifest; raises BadArchive if anything is wrong.
    """
    found: dict[str, dict[str, Any]] = {}
    manifest: Any = None
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = member.name
                if member.isdir():
                    if name.rstrip("/") not in (MEDIA, "database"):
                        _safe_target(staging, name.rstrip("/"))
                    continue
                if not member.isfile():
                    raise BadArchive(f"it holds {name!r}, which is not a plain file")
                if name in found or (name == MANIFEST and manifest is not None):
                    raise BadArchive(f"it holds {name!r} twice")
                source = tar.extractfile(member)
                if name == MANIFEST:
                    if member.size > _MAX_MANIFEST:
                        raise BadArchive("its manifest is implausibly large")
                    manifest = json.loads(source.read())
                    continue
                target = _safe_target(staging, name)
                writes = media or not name.startswith(f"{MEDIA}/")
                digest = hashlib.sha256()
                if writes:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with open(target, "xb") as out:
                        while chunk := source.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                else:
                    while chunk := source.read(_CHUNK):
                        digest.update(chunk)
                found[name] = {"size": member.size, "sha256": digest.hexdigest()}
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise BadArchive(f"it cannot be read ({error or type(error).__name__})") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadArchive("its manifest is not valid JSON") from None
    check_manifest(manifest, found)
    return manifest


def check_manifest(manifest: Any, found: dict[str, dict[str, Any]]) -> None:
    """The manifest is one this code reads, and it lists exactly the members `found`."""
    if manifest is None:
        raise BadArchive("it has no manifest.json: it is not a Zirkel backup")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadArchive("its manifest is not a Zirkel backup's")
    if manifest.get("version") != VERSION:
        raise BadArchive(
            f"its format version is {manifest.get('version')!r}; this Zirkel reads version"
            f" {VERSION} (restore it with the Zirkel version that wrote it)"
        )
    listed = manifest.get("members")
    kind = manifest.get("database")
    if not isinstance(listed, dict) or kind not in DATABASE_MEMBERS:
        raise BadArchive("its manifest is incomplete")
    problems = []
    if DATABASE_MEMBERS[kind] not in listed:
        problems.append(f"the manifest lists no {DATABASE_MEMBERS[kind]}")
    for name in sorted(set(listed) - set(found)):
        problems.append(f"{name} is missing")
    for name in sorted(set(found) - set(listed)):
        problems.append(f"{name} is not in the manifest")
    for name in sorted(set(found) & set(listed)):
        if found[name] != listed[name]:
            problems.append(f"{name} does not match its checksum")
    if problems:
        shown = "; ".join(problems[:5]) + (
            f"; and {len(problems) - 5} more" if problems[5:] else ""
        )
        raise BadArchive(f"it is not what was written: {shown}")
