"""Who reads each node's output, and which outputs leave the graph: what the passes that match
patterns across nodes (transposes.py, activations.py) ask of a graph, built once per read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model import LayerNode


@dataclass(frozen=True)
class Neighbours:
    by_name: dict[str, LayerNode]
    users: dict[str, list[str]]
    """Per node, the nodes that read its output (graph outputs not among them)."""
    leaving: frozenset[str]
    """The nodes whose output leaves the graph."""

    @staticmethod
    def of(nodes: Sequence[LayerNode], graph_outputs: Iterable[str]) -> Neighbours:
        users: dict[str, list[str]] = defaultdict(list)
        for node in nodes:
            for name in node.inputs:
                users[name].append(node.name)
        return Neighbours({node.name: node for node in nodes}, dict(users), frozenset(graph_outputs))

    def only_user(self, name: str) -> LayerNode | None:
        """The one node that reads `name`'s output; None for none or several."""
        named = self.users.get(name, [])
        return self.by_name[named[0]] if len(named) == 1 else None
