"""Joining tagged PDFs into one, keeping every part's structure tree.

The leadership pack is a portfolio page and one report per client, each rendered on its
own (in worker processes) as a tagged PDF. A plain page merge (pypdf's) keeps the pages
but drops their structure trees, which leaves an untagged pack: a screen reader gets a bag
of words again. ``join`` copies the pages with pikepdf (qpdf), then the structure trees,
which then point at the copied pages, and makes one tree of them: each part's elements
under one root, in order, with the parent tree (which ties each page's marked content to
its elements) renumbered so that the parts' numbers do not collide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, String

PDFUA_PART = "{http://www.aiim.org/pdfua/ns/id/}part"


@dataclass(frozen=True)
class Part:
    """One PDF to join, and the bookmark it gets (None: no bookmark)."""

    data: bytes
    bookmark: str | None = None


def page_count(data: bytes) -> int:
    """The number of pages of a PDF. qpdf finds them without parsing the rest: pypdf
    took ~130 ms for a tagged five-page report (its structure tree), 20 times as long,
    which in the pack was CPU taken from the workers rendering beside it."""
    with pikepdf.open(BytesIO(data)) as document:
        return len(document.pages)


def _numbers(tree: Dictionary) -> list:
    """A number tree's (key, value) pairs, from its /Nums and any /Kids."""
    pairs = []
    nums = tree.get("/Nums")
    if nums is not None:
        pairs.extend((int(nums[i]), nums[i + 1]) for i in range(0, len(nums), 2))
    for kid in tree.get("/Kids", ()):
        pairs.extend(_numbers(kid))
    return pairs


def join(parts: Sequence[Part], *, lang: str, title: str, author: str) -> bytes:
    """One tagged PDF of ``parts``, in order, with bookmarks, language and title."""
    out = pikepdf.new()
    elements = Array()
    parent_tree = Array()
    role_map = Dictionary()
    offset = 0
    bookmarks = []
    for part in parts:
        source = pikepdf.open(BytesIO(part.data))
        first_page = len(out.pages)
        out.pages.extend(source.pages)
        if part.bookmark is not None:
            bookmarks.append((part.bookmark, first_page))
        root = source.Root.get("/StructTreeRoot")
        if root is None:
            continue
        tree = out.copy_foreign(root)
        pairs = _numbers(tree.ParentTree) if "/ParentTree" in tree else []
        for page in out.pages[first_page:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annotation in page.obj.get("/Annots", ()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        for key, value in pairs:
            parent_tree.extend([key + offset, value])
        offset += max((key for key, _value in pairs), default=-1) + 1
        kids = tree.get("/K", Array())
        for kid in kids if isinstance(kids, Array) else [kids]:
            elements.append(kid)
        for name, role in tree.get("/RoleMap", Dictionary()).items():
            role_map[name] = role
    root = out.make_indirect(
        Dictionary(
            Type=Name.StructTreeRoot,
            K=elements,
            ParentTree=out.make_indirect(Dictionary(Nums=parent_tree)),
            ParentTreeNextKey=offset,
        )
    )
    if len(role_map):
        root.RoleMap = role_map
    for element in elements:
        element.P = root
    out.Root.StructTreeRoot = root
    out.Root.MarkInfo = Dictionary(Marked=True)
    out.Root.Lang = String(lang)
    out.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    out.Root.PageMode = Name.UseOutlines
    with out.open_outline() as outline:
        outline.root.extend(OutlineItem(text, page) for text, page in bookmarks)
    with out.open_metadata(set_pikepdf_as_editor=False) as meta:  # and the document info
        meta["dc:title"] = title
        meta["dc:creator"] = [author]
        meta["xmp:CreatorTool"] = author
        meta[PDFUA_PART] = "1"
    buffer = BytesIO()
    out.save(buffer, deterministic_id=True)  # the same parts give the same bytes
    return buffer.getvalue()
