"""backend/web is a client of the API: it imports nothing of storage, workflows, provenance
(nor any other part of the backend), as DESIGN.md's "The web interface" says."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "backend" / "web"


def test_the_web_package_imports_no_part_of_the_backend():
    imported = set()
    for module in WEB.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add("." * node.level + (node.module or ""))
    assert "flask" in imported  # the scan sees imports at all
    assert not [name for name in imported if name.startswith(("backend", "."))], imported
