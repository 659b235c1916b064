"""The step graph of a journey laid out for a picture: each step a box on the row of its depth in the
graph (how many requirements stand before it), an arrow from each requirement. The template draws it
as SVG; the layout is the scheme's graph of `domain.steps`, so a new step or requirement draws itself."""

from dataclasses import dataclass
from typing import Any

from domain.steps import requirements, steps_for

BOX_W, BOX_H = 190, 46
GAP_X, GAP_Y = 24, 34
MARGIN = 8


@dataclass(frozen=True)
class Node:
    step: str
    state: str
    x: int
    y: int
    due_at: str | None
    valid_until: str | None

    @property
    def cx(self) -> int:
        return self.x + BOX_W // 2


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int


@dataclass(frozen=True)
class Layout:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    box_w: int = BOX_W
    box_h: int = BOX_H


def layout(scheme: str, steps: list[dict[str, Any]]) -> Layout:
    """The boxes and arrows of `scheme`'s graph, with each step's state from `steps` (the journey's)."""
    by_step = {s["step"]: s for s in steps}
    depth: dict[str, int] = {}
    for step in steps_for(scheme):  # table order: a step's requirements come before it
        depth[step.step] = 1 + max((depth[r] for r in requirements(step.step, scheme)), default=-1)
    rows: dict[int, list[str]] = {}
    for step, d in depth.items():
        rows.setdefault(d, []).append(step)
    widest = max(len(r) for r in rows.values())
    width = MARGIN * 2 + widest * BOX_W + (widest - 1) * GAP_X
    nodes: dict[str, Node] = {}
    for d, members in rows.items():
        row_width = len(members) * BOX_W + (len(members) - 1) * GAP_X
        left = (width - row_width) // 2
        for i, step in enumerate(members):
            s = by_step.get(step, {})
            nodes[step] = Node(
                step,
                s.get("state", "locked"),
                left + i * (BOX_W + GAP_X),
                MARGIN + d * (BOX_H + GAP_Y),
                s.get("due_at"),
                s.get("valid_until"),
            )
    edges = [
        Edge(nodes[r].cx, nodes[r].y + BOX_H, node.cx, node.y)
        for node in nodes.values()
        for r in requirements(node.step, scheme)
    ]
    height = MARGIN * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y
    return Layout(list(nodes.values()), edges, width, height)
