"""A picture of the app: one small graph model, drawn as Mermaid and as Graphviz DOT.

The graph: clients -> the ALB -> routed services (edge label: the rule); the VPC
with its public and private subnets (one per zone), the NAT gateways (a private
subnet's route to the one in its zone, or to the single one), the VPC endpoints,
services with their task counts, and Service Connect links between every pair
of services that use it (each reaches all the others), EFS file systems with an
edge from each service that mounts them, and the Route 53 alias records of the
custom domains pointing at the ALB. Labels are escaped for
the target language; user text never becomes syntax.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field

from compiler import model as m

SVG_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Node:
    id: str
    lines: tuple[str, ...]
    shape: str = "box"                # box | round | hex | cylinder | oval


@dataclass
class Cluster:
    id: str
    label: str
    nodes: list[str] = field(default_factory=list)
    clusters: list["Cluster"] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    label: str = ""
    dashed: bool = False
    both: bool = False                # an undirected link, drawn with arrows at both ends


@dataclass
class Graph:
    name: str
    nodes: dict[str, Node] = field(default_factory=dict)
    top: list[str] = field(default_factory=list)          # nodes outside every cluster
    clusters: list[Cluster] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def add(self, node: Node, where: list[str]) -> str:
        self.nodes[node.id] = node
        where.append(node.id)
        return node.id


def zone_names(app: m.App) -> tuple[str, ...]:
    net = app.network
    return net.zones or tuple(f"zone {i + 1}" for i in range(net.az_count))


def route_label(http: m.Http) -> str:
    if http.is_default:
        return "default: /"
    parts = []
    if http.hosts:
        parts.append("host " + ", ".join(http.hosts))
    if http.paths:
        parts.append("path " + ", ".join(http.paths))
    return f"#{http.priority}: " + "; ".join(parts)


def _service_lines(s: m.Service, namespace: str) -> tuple[str, ...]:
    count = f"{s.scaling.min}-{s.scaling.max} tasks" if s.scaling else f"{s.desired_count} task{'s' * (s.desired_count != 1)}"
    extras = [x for x in (("arm64" if s.platform == "linux/arm64" else ""), ("spot" if s.spot else "")) if x]
    lines = [s.name, f"{count} · {s.cpu / 1024:g} vCPU / {s.memory / 1024:g} GB" + (f" · {', '.join(extras)}" if extras else ""),
             ("worker (no port)" if s.port is None else f"port {s.port}") + "".join(f" + {c.name}" for c in s.sidecars)]
    if s.connect:
        lines.append(f"connect: http://{s.connect.alias}:{s.port}")
    if s.discovery:
        lines.append(f"dns: {s.name}.{namespace}")
    return tuple(lines)


def build(app: m.App) -> Graph:
    net = app.network
    g = Graph(app.stack_name)
    zones = zone_names(app)
    existing = net.existing
    if existing is None:
        vpc = Cluster("vpc", f"VPC {net.cidr}")
    else:  # subnets by ID (and zone when given), one node each
        vpc = Cluster("vpc", f"existing VPC {existing.id}" + (f" {net.cidr}" if net.cidr else ""))
    public = Cluster("public_subnets", "public subnets")
    private = Cluster("private_subnets", "private subnets")
    vpc.clusters += [public, private]
    g.clusters.append(vpc)

    if existing is not None:
        for kind, refs, cluster in (("public", existing.public, public), ("private", existing.private, private)):
            for i, ref in enumerate(refs):
                g.add(Node(f"{kind}_{i}", (ref.zone or "zone not given", ref.id)), cluster.nodes)
    else:
        for i, zone in enumerate(zones):
            g.add(Node(f"public_{i}", (zone, net.public_subnets[i] if i < len(net.public_subnets) else "")), public.nodes)
        for i, zone in enumerate(zones):
            g.add(Node(f"private_{i}", (zone, net.private_subnets[i] if i < len(net.private_subnets) else "")), private.nodes)

    needs_internet = bool(net.nat_count) or any(s.placement == "public" for s in app.services)
    if needs_internet or any(lb.public for lb in app.owned_load_balancers) or any(
            s.nlb.public for s in app.nlb_services) or any(n.public for n in app.network_load_balancers):
        g.add(Node("internet", ("internet",), "oval"), g.top)

    for i in range(net.nat_count):
        nat = g.add(Node(f"nat_{i}", ("NAT gateway", zones[i])), public.nodes)
        g.edges.append(Edge(nat, "internet"))
    for i in range(len(zones)):
        if net.nat_count:
            g.edges.append(Edge(f"private_{i}", f"nat_{i if net.nat_count > 1 else 0}", "0.0.0.0/0"))

    if net.endpoints:
        lines = ["VPC endpoints"]
        if net.interface_endpoints:
            lines.append("interface: " + ", ".join(net.interface_endpoints))
        if net.gateway_endpoints:
            lines.append("gateway: " + ", ".join(net.gateway_endpoints))
        g.add(Node("endpoints", tuple(lines), "cylinder"), private.nodes)
        for i in range(len(zones)):
            g.edges.append(Edge(f"private_{i}", "endpoints", dashed=True))

    ids = {s.name: f"svc_{n}" for n, s in enumerate(app.services)}
    for s in app.services:
        g.add(Node(ids[s.name], _service_lines(s, app.namespace), "round"),
              public.nodes if s.placement == "public" else private.nodes)

    for lb in app.load_balancers:
        _alb(app, lb, g, ids, public, private)

    _nlbs(app, g, ids, public, private)
    _storage(app, g, ids, private)
    if app.load_balancers and app.alias_zones:
        names = [name for name, _ in app.alias_zones]
        zones_ = sorted({zone for _, zone in app.alias_zones})
        g.add(Node("dns", ("Route 53", f"hosted zone {', '.join(zones_)}", *names), "oval"), g.top)
        for lb in app.load_balancers:
            if any(s.http.aliases for s in app.routed_by(lb)):
                g.edges.append(Edge("dns", _alb_node(lb), "alias A"))

    connected = [s for s in app.services if s.connect]
    for i, a in enumerate(connected):
        for b in connected[i + 1:]:
            g.edges.append(Edge(ids[a.name], ids[b.name], "Service Connect", dashed=True, both=True))
    _messaging(app, g, ids)
    _jobs(app, g, public, private)
    return g


def _alb_node(lb: m.LoadBalancer) -> str:
    return "alb_" + lb.name.replace("-", "_") if lb.key or lb.existing else "alb"


def _alb(app: m.App, lb: m.LoadBalancer, g: Graph, ids: dict[str, str], public: Cluster,
         private: Cluster) -> None:
    """A box per ALB, with its listeners and its routes to the services (the first ALB's node
    is "alb", as with one; the others' "alb_<name>"; an existing ALB's sits outside the subnets)."""
    node = _alb_node(lb)
    routed = sorted(app.routed_by(lb), key=lambda s: (s.http.is_default, s.http.priority or 0, s.name))
    if lb.existing is not None:
        first, last = lb.existing.priorities
        g.add(Node(node, ("existing Application Load Balancer", lb.name, lb.existing.full_name,
                          f"rules {first}-{last} on its listener"), "hex"), g.top)
    else:
        default = next((s for s in routed if s.http.is_default), None)
        kind = "internet-facing" if lb.public else "internal"
        listeners = "HTTPS :443 (HTTP :80 redirects)" if lb.https else "HTTP :80"
        head = ("Application Load Balancer",) if not lb.key else (f"Application Load Balancer {lb.name}",)
        lines = head + (kind, listeners) + (() if default else ("default: fixed 404",))
        if lb.https and lb.https.certificate_arn is None:
            n = len({a for s in routed for a in s.http.aliases})
            lines += (f"{n} ACM certificate{'s' * (n != 1)} (DNS-validated)",)
        g.add(Node(node, lines, "hex"), (public if lb.public else private).nodes)
        clients = "clients" if node == "alb" else "clients" + node[len("alb"):]
        g.add(Node(clients, ("clients", ", ".join(lb.allowed_cidrs)), "oval"), g.top)
        if lb.public:
            g.edges.append(Edge("internet", node, listeners))
            g.edges.append(Edge(clients, "internet"))
        else:
            g.edges.append(Edge(clients, node, listeners))
    for s in routed:
        g.edges.append(Edge(node, ids[s.name], route_label(s.http)))


def _nlbs(app: m.App, g: Graph, ids: dict[str, str], public: Cluster, private: Cluster) -> None:
    """A box per Network Load Balancer: a service's own (listener -> target port), and each
    shared one with its listeners, an arrow per service on it."""
    for s in app.own_nlb_services:
        nlb = s.nlb
        node = f"nlb_{ids[s.name]}"
        listener = f"{nlb.protocol} :{nlb.port}"
        g.add(Node(node, ("Network Load Balancer", "internet-facing" if nlb.public else "internal", listener,
                          "from " + ", ".join(nlb.allowed_cidrs)), "hex"),
              (public if nlb.public else private).nodes)
        if nlb.public:
            g.edges.append(Edge("internet", node, listener))
        g.edges.append(Edge(node, ids[s.name], f"{nlb.target_protocol} :{nlb.target_port}"))
    for i, shared in enumerate(app.network_load_balancers):
        node = f"nlbshared_{i}"
        services = app.shared_nlb_services(shared.name)
        listeners = [f"{s.nlb.protocol} :{s.nlb.port}" for s in services]
        g.add(Node(node, ("Network Load Balancer", shared.name,
                          "internet-facing" if shared.public else "internal",
                          ", ".join(listeners) or "no listener"), "hex"),
              (public if shared.public else private).nodes)
        if shared.public and listeners:
            g.edges.append(Edge("internet", node, ", ".join(listeners)))
        for s in services:
            g.edges.append(Edge(node, ids[s.name], f"{s.nlb.protocol} :{s.nlb.port} to "
                                                   f"{s.nlb.target_protocol} :{s.nlb.target_port}"))


def _messaging(app: m.App, g: Graph, ids: dict[str, str]) -> None:
    """SNS topics and SQS queues live outside the VPC: publish -> topic -> queue -> receive."""
    topic_ids = {}
    for s in app.services:
        for topic in s.publish:
            node = f"topic_{len(topic_ids)}"
            topic_ids[(s.name, topic.name)] = node
            g.add(Node(node, ("SNS topic", topic.name + (" (FIFO)" if topic.fifo else "")), "hex"), g.top)
            g.edges.append(Edge(ids[s.name], node, "publish"))
    for n, s in enumerate(x for x in app.services if x.subscribe):
        queue = s.subscribe.queue
        node = f"queue_{n}"
        lines = ("SQS queue" + (" (FIFO)" if queue.fifo else ""), f"of {s.name}",
                 f"dead letters after {queue.dead_letter_tries} receives")
        g.add(Node(node, lines, "cylinder"), g.top)
        for ref in s.subscribe.topics:
            g.edges.append(Edge(topic_ids[(ref.service, ref.name)], node,
                                "filtered" if ref.filter_policy else ""))
        label = "receive"
        if s.scaling and s.scaling.queue:
            label += f"; scales at {s.scaling.queue.backlog_per_task} msgs/task"
        g.edges.append(Edge(node, ids[s.name], label))


def _jobs(app: m.App, g: Graph, public: Cluster, private: Cluster) -> None:
    for n, job in enumerate(app.jobs):
        schedule = g.add(Node(f"schedule_{n}", ("EventBridge schedule", job.schedule or ""), "oval"), g.top)
        machine = g.add(Node(f"machine_{n}", (
            "Step Functions", f"retries {job.retries}",
            f"timeout {job.timeout} s" if job.timeout else "no timeout"), "box"), g.top)
        task = g.add(Node(f"job_{n}", (job.name, f"job · {job.cpu / 1024:g} vCPU / {job.memory / 1024:g} GB"
                                       + (" · spot" if job.spot else "")), "round"),
                     public.nodes if job.placement == "public" else private.nodes)
        g.edges.append(Edge(schedule, machine, "start"))
        g.edges.append(Edge(machine, task, "runTask.sync"))


def _storage(app: m.App, g: Graph, ids: dict[str, str], private: Cluster) -> None:
    """The managed EFS file system (in the private subnets) and existing ones, with a mount
    edge from every service that mounts them."""
    existing: dict[str, str] = {}
    if app.uses_managed_efs:
        g.add(Node("efs", ("EFS file system", "encrypted · mount target per zone"), "cylinder"),
              private.nodes)
    for s in app.services:
        for v in s.efs_volumes:
            if v.efs.managed:
                target = "efs"
            else:
                fs = v.efs.file_system_id
                if fs not in existing:
                    existing[fs] = g.add(Node(f"efs_{len(existing)}", ("EFS file system", fs, "existing"),
                                              "cylinder"), g.top)
                target = existing[fs]
            mode = "ro" if not s.volume_writable(v) else "rw"
            g.edges.append(Edge(ids[s.name], target, f"NFS {v.path} ({mode})", dashed=True))


# --- Mermaid --------------------------------------------------------------------------

_MERMAID_SHAPES = {"box": ('["', '"]'), "round": ('("', '")'), "hex": ('{{"', '"}}'),
                   "cylinder": ('[("', '")]'), "oval": ('(["', '"])')}


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for # " < > and no line breaks."""
    text = text.replace("#", "#35;")
    for char, code in (('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;"),
                       ("`", "#96;"), ("\n", " "), ("\r", " ")):
        text = text.replace(char, code)
    return text


def _mermaid_label(lines) -> str:
    return "<br/>".join(mermaid_text(line) for line in lines if line)


def _body(g: Graph, node_line, cluster_head, cluster_tail: str) -> list[str]:
    """The nodes outside clusters, then the clusters, nested and indented."""
    out = ["  " + node_line(g.nodes[node_id]) for node_id in g.top]

    def cluster(c: Cluster, indent: str) -> None:
        out.extend(indent + line for line in cluster_head(c))
        out.extend(indent + "  " + node_line(g.nodes[node_id]) for node_id in c.nodes)
        for inner in c.clusters:
            cluster(inner, indent + "  ")
        out.append(indent + cluster_tail)

    for c in g.clusters:
        cluster(c, "  ")
    return out


def _mermaid_node(n: Node) -> str:
    left, right = _MERMAID_SHAPES[n.shape]
    return f"{n.id}{left}{_mermaid_label(n.lines)}{right}"


def to_mermaid(g: Graph) -> str:
    out = ["flowchart LR"]
    out += _body(g, _mermaid_node, lambda c: [f'subgraph {c.id}["{mermaid_text(c.label)}"]'], "end")
    for e in g.edges:
        arrow = ("<-.->" if e.both else "-.->") if e.dashed else ("<-->" if e.both else "-->")
        label = f'|"{mermaid_text(e.label)}"|' if e.label else ""
        out.append(f"  {e.a} {arrow}{label} {e.b}")
    return "\n".join(out) + "\n"


# --- Graphviz DOT -----------------------------------------------------------------------

_DOT_SHAPES = {"box": 'shape=box', "round": 'shape=box, style="rounded,filled", fillcolor="#eef5ff"',
               "hex": 'shape=hexagon', "cylinder": 'shape=cylinder', "oval": 'shape=oval'}


def dot_text(text: str) -> str:
    """Text safe inside a double-quoted DOT string (escString: backslash sequences are live)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


def _dot_label(lines) -> str:
    return "\\n".join(dot_text(line) for line in lines if line)


def _dot_node(n: Node) -> str:
    return f'{n.id} [label="{_dot_label(n.lines)}", {_DOT_SHAPES[n.shape]}];'


def to_dot(g: Graph) -> str:
    out = [f'digraph "{dot_text(g.name)}" {{',
           '  graph [rankdir=LR, fontname="Helvetica", fontsize=11];',
           '  node [fontname="Helvetica", fontsize=10];',
           '  edge [fontname="Helvetica", fontsize=9];']
    out += _body(g, _dot_node, lambda c: [f"subgraph cluster_{c.id} {{", f'  label="{dot_text(c.label)}";'], "}")
    for e in g.edges:
        attrs = []
        if e.label:
            attrs.append(f'label="{dot_text(e.label)}"')
        if e.dashed:
            attrs.append("style=dashed")
        if e.both:
            attrs.append("dir=both")
        out.append(f"  {e.a} -> {e.b}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    out.append("}")
    return "\n".join(out) + "\n"


def render_svg(dot_source: str, dot_binary: str = "dot", timeout: float = SVG_TIMEOUT_SECONDS) -> str:
    """SVG from Graphviz; raises OSError, subprocess.SubprocessError (incl. timeout) on failure."""
    done = subprocess.run([dot_binary, "-Tsvg"], input=dot_source, capture_output=True, text=True,
                          timeout=timeout, check=True)
    return done.stdout
