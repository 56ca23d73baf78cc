"""The layers of the package, read from the folder tree, and no import that runs upward.

Every module of `resonant/` belongs to one layer below; a module may import its own layer
or a lower one, never a higher one, and never the tooling (`resonant_tools`). Imports are
read from the source (inside functions and TYPE_CHECKING blocks too), so a lazy import
cannot hide a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import resonant

PACKAGE = Path(resonant.__file__).parent
# Lowest first. A new top-level module or folder must be placed here (the test says so).
LAYERS: list[tuple[str, set[str]]] = [
    ("ground", {"errors", "defaults", "settings"}),
    ("shared vocabulary", {"affect", "text", "embedding", "audio"}),
    ("parts the graph runs", {"skills", "llm", "memory", "persona"}),
    ("the graph", {"agent"}),
    ("ways to reach the agent", {"server", "ui", "voice"}),
    ("the edge", {"cli", "__main__", "__init__", "contracts"}),
]
LAYER_OF = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}
Module = tuple[str, bool, str]  # (dotted name, is a package's __init__, source)


def _unit(module: str) -> str:
    """'resonant.skills.fusion' -> 'skills'; 'resonant' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _package_modules() -> list[Module]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules.append((name, is_package, path.read_text(encoding="utf-8")))
    return modules


def _imports(module: Module) -> list[tuple[int, str]]:
    """(line, module) of every import in the module, relative ones resolved."""
    name, is_package, source = module
    package = name if is_package else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            if target == "resonant":  # `from resonant import skills` names a unit too
                found += [(node.lineno, f"resonant.{alias.name}") for alias in node.names]
    return found


def upward_imports(modules: Iterable[Module]) -> list[str]:
    found = []
    for module in modules:
        unit = _unit(module[0])
        for line, target in _imports(module):
            where = f"{module[0]}:{line} imports {target}"
            if target.split(".")[0] == "resonant_tools":
                found.append(f"{where} (the tooling)")
            elif target.startswith("resonant.") and _unit(target) in LAYER_OF:
                to = LAYER_OF[_unit(target)]
                if to > LAYER_OF[unit] and _unit(target) != "__init__":
                    found.append(f"{where} ({LAYERS[to][0]} is above {LAYERS[LAYER_OF[unit]][0]})")
    return found


def import_cycles(modules: Iterable[Module]) -> list[str]:
    graph: dict[str, set[str]] = {}
    for module in modules:
        unit = _unit(module[0])
        for _, target in _imports(module):
            if target.startswith("resonant.") and _unit(target) not in (unit, "__init__"):
                graph.setdefault(unit, set()).add(_unit(target))

    def reaches(start: str, goal: str, seen: frozenset[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
            for nxt in graph.get(start, ())
        )

    return sorted(unit for unit in graph if reaches(unit, unit, frozenset({unit})))


def test_every_module_belongs_to_a_layer():
    unplaced = {_unit(name) for name, _, _ in _package_modules()} - set(LAYER_OF)
    assert not unplaced, f"place these in LAYERS (tests/test_layers.py): {sorted(unplaced)}"


def test_no_import_runs_up_the_layers_or_into_the_tooling():
    found = upward_imports(_package_modules())
    assert not found, "imports that run up the layers:\n" + "\n".join(found)


def test_no_two_parts_import_each_other_in_a_circle():
    assert import_cycles(_package_modules()) == []


def test_an_upward_import_or_a_circle_is_caught_even_inside_a_function():
    lazy_upward = ("resonant.skills.bad", False, "def f():\n    from ..agent import Agent\n")
    into_tooling = ("resonant.llm.bad", False, "import resonant_tools.evals\n")
    assert upward_imports([lazy_upward, into_tooling]) == [
        "resonant.skills.bad:2 imports resonant.agent (the graph is above parts the graph runs)",
        "resonant.llm.bad:1 imports resonant_tools.evals (the tooling)",
    ]
    circle = [
        ("resonant.llm.a", False, "from resonant.persona import x\n"),
        ("resonant.persona.b", False, "from resonant.llm.a import y\n"),
    ]
    assert import_cycles(circle) == ["llm", "persona"]
