"""Parse the DOT text simplegrad writes (one statement a line), for the viz and graph tests."""
import re

NODE = re.compile(r'^\s*(\w+) \[(.*)\];$')
EDGE = re.compile(r'^\s*(\w+) -> (\w+);$')
ATTRIBUTE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
SVG = "{http://www.w3.org/2000/svg}"


def parse(dot):
    """({node id: attributes}, [(from, to)]); every line must be understood, every edge must
    join declared nodes."""
    lines = dot.strip().splitlines()
    assert lines[0].startswith("digraph ") and lines[0].endswith("{") and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if line.strip().startswith(("node [", "graph [")):
            continue
        if match := NODE.match(line):
            assert match.group(1) not in nodes, f"node {match.group(1)} declared twice"
            nodes[match.group(1)] = dict(ATTRIBUTE.findall(match.group(2)))
        elif match := EDGE.match(line):
            edges.append(match.groups())
        else:
            raise AssertionError(f"unparsed DOT line: {line!r}")
    for a, b in edges:
        assert a in nodes and b in nodes, (a, b)
    return nodes, edges


def svg_parts(path):
    """(node count, edge count, texts) of a Graphviz SVG file."""
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    classes = [g.get("class") for g in root.iter(f"{SVG}g")]
    return classes.count("node"), classes.count("edge"), [t.text for t in root.iter(f"{SVG}text")]
