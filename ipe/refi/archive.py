"""Reading REFI-QDA files safely: XML without entities or network, zip archives with bounded size."""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Optional

from lxml import etree

from ipe.refi.common import RefiError

# Limits on what an archive may unpack (zip bombs); tests lower them.
MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 512 * 1024 * 1024
# One source text: 16 MiB of UTF-8 is some 2.5 million words, far beyond any transcript; what ipe computes per
# character of a source (offset tables, sentences) stays well under 1 GB below it.
MAX_SOURCE_BYTES = 16 * 1024 * 1024

# -- reading safely --------------------------------------------------------------------------------------------------


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           remove_comments=True, remove_pis=True)


def parse_xml(data: bytes, where: str):
    """Parse QDA-XML safely: no entities, DTDs or network; a DOCTYPE is refused; namespaces are dropped."""
    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536], re.I):
        raise RefiError(where, "DOCTYPE or entity declarations are not allowed in QDA-XML (refused)")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise RefiError(where, f"invalid XML ({exc.msg})") from None
    if root.getroottree().docinfo.doctype:
        raise RefiError(where, "DOCTYPE declarations are not allowed in QDA-XML (refused)")
    namespace = etree.QName(root).namespace
    if namespace is not None and not namespace.startswith("urn:QDA-XML:"):
        raise RefiError(where, f"not a REFI-QDA document (namespace '{namespace}')")
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(root)
    return root


def _safe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return not (name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\x00" in name)


class _Archive:
    """A .qdpx opened with its limits checked; entries read by case-insensitive name, never extracted to disk."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise RefiError(path, f"not a readable zip archive ({exc})") from None
        try:
            self._check(self.zip.infolist())
        except RefiError:
            self.zip.close()
            raise

    def _check(self, infos: list) -> None:
        path = self.path
        if len(infos) > MAX_ENTRIES:
            raise RefiError(path, f"too many entries ({len(infos)}; the limit is {MAX_ENTRIES}), refused")
        for info in infos:
            if not _safe_name(info.filename):
                raise RefiError(path, f"unsafe entry path '{info.filename}' (outside the archive), refused")
        total = sum(info.file_size for info in infos)
        if total > MAX_UNCOMPRESSED:
            raise RefiError(path, f"unpacks to {total} bytes (the limit is {MAX_UNCOMPRESSED}), refused")
        self.by_name = {info.filename.replace("\\", "/").lower(): info for info in infos if not info.is_dir()}
        self.read_bytes = 0

    def __enter__(self) -> "_Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.zip.close()

    def find(self, name: str) -> Optional[zipfile.ZipInfo]:
        name = name.replace("\\", "/")
        while name.startswith("./"):
            name = name[2:]
        return self.by_name.get(name.lower())

    def read(self, info: zipfile.ZipInfo, text: bool = False) -> bytes:
        """An entry's bytes, counted while it is unpacked: never more than it declares, than the archive may
        unpack in all, or (for a source text, ``text``) than :data:`MAX_SOURCE_BYTES`."""
        limit = MAX_SOURCE_BYTES if text else MAX_UNCOMPRESSED
        if info.file_size > limit:
            raise RefiError(self.path, f"entry '{info.filename}' unpacks to {info.file_size} bytes (the limit for "
                            f"{'a source text' if text else 'one entry'} is {limit}), refused")
        budget = min(info.file_size, limit, MAX_UNCOMPRESSED - self.read_bytes)
        chunks, size = [], 0
        try:
            with self.zip.open(info) as handle:
                while True:
                    chunk = handle.read(min(1 << 20, budget + 1 - size))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > budget:
                        raise RefiError(self.path, f"entry '{info.filename}' unpacks to more than it declares or "
                                        "the archive may unpack, refused")
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise RefiError(self.path, f"damaged entry '{info.filename}' ({exc})") from None
        self.read_bytes += size
        return b"".join(chunks)

    def project_entry(self) -> zipfile.ZipInfo:
        found = self.find("project.qde")
        if found is None:
            top = [i for n, i in sorted(self.by_name.items()) if n.endswith(".qde") and "/" not in n]
            if len(top) != 1:
                raise RefiError(self.path, "no project.qde (or single .qde file) in the archive")
            found = top[0]
        return found
