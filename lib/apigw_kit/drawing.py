"""Architecture diagrams drawn from a lab's live inventory (never from what we meant to build).

Clusters are the VPC and its subnets; ENIs are drawn where they carry the
lesson (load balancer, VPC link and endpoint ENIs, with their private IPs);
request-flow edges come from ``Inventory.links`` and are labelled with the
security-group rule that admits each hop. Given a traced request, the path it
took is drawn over them. What the lesson is about beside the flow (custom
domains, their records and certificates, schedules, peering, a v1 link's
endpoint service, from ``Inventory.context``) is drawn with dashed edges, and a
legend says what each line means. Beside the PNG, a ``.txt`` says the same in
words: the docs site uses it as the image's alt text.
"""
from __future__ import annotations

from pathlib import Path

from diagrams import Cluster, Diagram, Edge, Node
from diagrams.aws.compute import EC2, Lambda
from diagrams.aws.general import Client
from diagrams.aws.integration import Eventbridge
from diagrams.aws.network import (
    APIGateway,
    CloudMap,
    ElbApplicationLoadBalancer,
    ElbNetworkLoadBalancer,
    Endpoint,
    Privatelink,
    Route53,
    VPC,
    VPCElasticNetworkInterface,
    VPCPeering,
)
from diagrams.aws.security import CertificateManager

NODE_CLASSES = {
    "apigatewayv2:api": APIGateway,
    "apigateway:rest-api": APIGateway,
    "apigatewayv2:vpc-link": Privatelink,
    "apigateway:vpc-link": Privatelink,
    "ec2:instance": EC2,
    "ec2:vpc-endpoint": Endpoint,
}
# Drawn beside the flow, each in its own box: (box title, resource types, icon, label prefix)
CONTEXT_GROUPS = (
    ("Names and certificates", {"route53:record": (Route53, "record"),
                                "apigatewayv2:domain-name": (APIGateway, "custom domain"),
                                "apigateway:domain-name": (APIGateway, "custom domain"),
                                "acm:certificate": (CertificateManager, "certificate")}),
    ("Lambda and EventBridge (AWS-managed)", {"events:rule": (Eventbridge, "rule"),
                                              "lambda:function": (Lambda, "function")}),
    ("Cloud Map", {"servicediscovery:service": (CloudMap, "service")}),
)
IN_VPC = ("elbv2:load-balancer", "ec2:vpc-endpoint")  # drawn in their VPC, their ENIs in the subnets
GRAPH = {"fontsize": "20", "pad": "0.4", "nodesep": "0.5", "ranksep": "1.0", "splines": "spline"}


def _node_class(kind: str, node_id: str):
    if kind == "elbv2:load-balancer":
        return ElbNetworkLoadBalancer if "/net/" in node_id else ElbApplicationLoadBalancer
    return NODE_CLASSES.get(kind)


def _label(row) -> str:
    name = row.name or row.id
    return f"{name}\n{row.id}" if row.id not in name and not row.id.startswith("arn:") else name


PATH_EDGE = {"color": "royalblue", "penwidth": "3.0"}  # the hops a traced request took
STOP_EDGE = {"color": "red", "penwidth": "3.0", "style": "dashed"}  # the hop where it stopped
RULE_EDGE = {"color": "darkgreen"}  # a hop a security-group rule admits
OPEN_EDGE = {"color": "black"}  # a hop with no security group between (a managed service, or by port)
ENI_EDGE = {"style": "dotted", "color": "gray"}  # a resource and its network interfaces
CONTEXT_EDGE = {"style": "dashed", "color": "purple"}  # configuration, not a request hop
LEGEND = (
    (RULE_EDGE, "request hop a security-group rule admits (label: groups and port)"),
    (OPEN_EDGE, "request hop with no security group between"),
    (PATH_EDGE, "the hops a traced request took"),
    (STOP_EDGE, "where the traced request stopped"),
    (ENI_EDGE, "a resource and its network interfaces (ENIs, private IPs)"),
    (CONTEXT_EDGE, "configuration: name, certificate, mapping, schedule, endpoint service"),
)


def _legend() -> None:
    with Cluster("Legend: lines (boxes: AWS-managed services, a VPC, a subnet with its zone)"):
        for attrs, meaning in LEGEND:
            dot = {"shape": "point", "width": "0.05", "height": "0.05"}
            Node("", **dot) >> Edge(label=meaning, fontsize="12", minlen="3", **attrs) >> Node("", **dot)


def alt_text(title: str, described: list[str]) -> str:
    """What the diagram shows, in words, for readers who cannot see it."""
    return " ".join(f"Architecture diagram: {title}. {'; '.join(described)}.".split())


def on_path(trace, resources) -> tuple[set[str], str | None]:
    """(ids of the resources a traced request went through, id of the one it stopped at or None).

    A hop names its resource by id, or a load balancer or target group by name; target
    health names the targets in its reason.
    """
    by_name = resources[resources["type"].isin(["elbv2:load-balancer", "elbv2:target-group"])]
    names = {row.name: row.id for row in by_name.itertuples() if row.name}
    ids = set(resources["id"])
    passed, stopped = set(), None
    for hop in trace.hops:
        found = {hop.id} & ids | ({names[hop.id]} if hop.id in names else set())
        if hop.component == "target health" and hop.verdict == "ok":
            found |= {i for i in ids if i and i in hop.reason}
        if hop.verdict == "fail":  # reached, but refused there (a resource can pass one hop and fail the next)
            stopped = next(iter(found), None)
            passed -= found
            break
        passed |= found
    return passed, stopped


def draw(inventory, path: str | Path, title: str, client_label: str = "client", trace=None) -> Path:
    """Render ``inventory`` to a PNG at ``path`` (suffix added by Graphviz is .png) and return it.

    With ``trace`` (a tracer.Trace), the edges the request crossed are drawn thick and blue,
    and the edge into the resource where it stopped thick, red and dashed. The alt text goes
    beside it, same name, ``.txt``.
    """
    passed, stopped = on_path(trace, inventory.resources) if trace is not None else (set(), None)

    def style(source: str | None, target: str) -> dict:
        reached = source is None or source in passed
        if reached and target == stopped:
            return STOP_EDGE
        return PATH_EDGE if reached and target in passed else {}

    path = Path(path).with_suffix("")
    path.parent.mkdir(parents=True, exist_ok=True)
    resources = inventory.resources
    group_names = dict(zip(inventory.rules["group"], inventory.rules["group_name"]))
    tls_names = {r.connection: r.tls_server_name for r in inventory.routes.itertuples() if r.connection and r.tls_server_name}
    cloud_map_routes = {}  # Cloud Map service id -> the HTTP API routes that reach it
    for r in inventory.routes.itertuples():
        if ":servicediscovery:" in r.uri:
            service = r.uri.rsplit("/", 1)[-1]
            cloud_map_routes[service] = ", ".join(filter(None, [cloud_map_routes.get(service), r.route]))
    services_of = {t: s for s, t, label in inventory.context.itertuples(index=False) if label == "endpoint service of"}
    nodes: dict[str, object] = {}
    names: dict[str, str] = {}  # node id -> what the alt text calls it
    described: list[str] = []  # the flow and the configuration, in words
    placed: list[str] = []  # which ENIs each subnet holds, in words
    rest_links = set(resources.loc[resources["type"] == "apigateway:vpc-link", "id"])

    def add(node_id: str, node, name: str) -> None:
        nodes[node_id], names[node_id] = node, name

    peered = {t for s, t, label in inventory.context.itertuples(index=False) if label == "peers"}
    busy = {inventory.vpc_of.get(s) for s in inventory.enis["subnet"]} | {
        inventory.vpc_of.get(i) for i in resources.loc[resources["type"].isin(IN_VPC), "id"]}
    client_home = next((v for v in sorted(peered) if v not in busy), None)  # a peered VPC holding only clients
    with Diagram(title, filename=str(path), outformat="png", show=False, direction="LR", graph_attr=GRAPH):
        client = None if client_home else Client(client_label)
        names["client"] = client_label
        with Cluster("API Gateway (AWS-managed)"):
            for row in resources.itertuples():
                cls = _node_class(row.type, row.id)
                if cls is not None and row.type not in ("ec2:instance", *IN_VPC):
                    add(row.id, cls(_label(row)), f"{row.type} {row.name or row.id}")
        for box, kinds in CONTEXT_GROUPS:
            rows = resources[resources["type"].isin(kinds)]
            if len(rows):
                with Cluster(box):
                    for row in rows.itertuples():
                        icon, prefix = kinds[row.type]
                        add(row.id, icon(f"{prefix}\n{_label(row)}"), f"{prefix} {row.name or row.id}")
        for peering in resources[resources["type"] == "ec2:vpc-peering"].itertuples():
            vpc_names = dict(zip(resources["id"], resources["name"]))
            joined = " <-> ".join(vpc_names.get(t, t) or t for s, t, _ in inventory.context.itertuples(index=False)
                                  if s == peering.id)
            add(peering.id, VPCPeering(f"VPC peering\n{_label(peering)}"), f"VPC peering {peering.name or peering.id}")
            described.append(f"VPC peering {peering.name or peering.id} joins {joined}")
        for vpc in resources[resources["type"] == "ec2:vpc"].itertuples():
            inside = resources[resources["id"].map(inventory.vpc_of) == vpc.id]
            with Cluster(f"VPC {vpc.name or vpc.id}"):
                if vpc.id == client_home:  # the client network: its clients reach the lab over the peering
                    client = Client(client_label)
                    add(vpc.id, client, f"{client_label} in VPC {vpc.name or vpc.id}")
                elif vpc.id in peered:  # where the peering lands
                    add(vpc.id, VPC(_label(vpc)), f"VPC {vpc.name or vpc.id}")
                for row in inside[inside["type"].isin(IN_VPC)].itertuples():
                    add(row.id, _node_class(row.type, row.id)(_label(row)), f"{row.type} {row.name or row.id}")
                    if row.id in services_of:
                        service = services_of[row.id]
                        add(service, Privatelink(f"endpoint service\n{service}"), f"endpoint service {service}")
                for subnet in inside[inside["type"] == "ec2:subnet"].itertuples():
                    enis = inventory.enis[inventory.enis["subnet"] == subnet.id]
                    zone = enis["az"].iloc[0] if len(enis) else ""
                    with Cluster(f"{subnet.name or subnet.id} {zone}".strip()):
                        for eni in enis.itertuples():
                            owner = next(resources[resources["id"] == eni.owner_id].itertuples(), None)
                            if owner is not None and owner.type == "ec2:instance":
                                # Instances are drawn as themselves, inside their subnet.
                                if eni.owner_id not in nodes:
                                    ips = inventory.enis.loc[inventory.enis["owner_id"] == eni.owner_id, "private_ip"]
                                    add(eni.owner_id, EC2(f"{_label(owner)}\n{', '.join(ips)}"), f"instance {owner.name or owner.id}")
                                continue
                            node = VPCElasticNetworkInterface(f"{eni.private_ip}\n{eni.owner}")
                            if eni.owner_id in nodes:
                                nodes[eni.owner_id] >> Edge(**ENI_EDGE) >> node
                        if len(enis):
                            placed.append(f"subnet {subnet.name or subnet.id} ({zone}) holds the ENIs of "
                                             + ", ".join(sorted(set(enis["owner"]))))
        # Requests enter at the APIs; a lab without an API in front (pattern 3) is entered where its flow starts.
        apis = set(resources.loc[resources["type"].isin(["apigatewayv2:api", "apigateway:rest-api"]), "id"])
        starts = [s for s in dict.fromkeys(inventory.links["source"]) if s not in set(inventory.links["target"]) and s in nodes]
        # A client that calls a custom domain reaches the API through it (its mapping is drawn below).
        domain_of = {t: s for s, t, label in inventory.context.itertuples(index=False)
                     if label.startswith(("API mapping", "base path")) and s in nodes}
        for entry in [s for s in starts if s in apis] or starts:
            door = domain_of.get(entry, entry)
            client >> Edge(label="HTTPS", **style(None, entry)) >> nodes[door]
            described.insert(0, f"requests from {client_label} enter at {names[door]}")
        for link in inventory.links.itertuples():
            if link.target.startswith("srv-") and link.target not in nodes:
                continue  # a Cloud Map service of another lab
            if link.source in nodes and link.target in nodes:
                rules = ", ".join(" -> ".join(group_names.get(g, g) for g in pair.split(" -> "))
                                  for pair in link.security_groups.split(", ") if pair)
                port = "" if link.port is None or link.port != link.port else f":{int(link.port)}"
                label = f"{rules} {port}".strip() if rules else port
                if link.target in cloud_map_routes:
                    label = f"route {cloud_map_routes[link.target]}"
                if link.source in tls_names and link.target.startswith("arn:"):
                    label = f"{label} TLS, verifies {tls_names[link.source]}".strip()
                attrs = {**(RULE_EDGE if rules else OPEN_EDGE), **style(link.source, link.target)}
                source, via = nodes[link.source], ""
                if link.target in services_of and link.source in rest_links:  # a v1 link reaches its NLB through it
                    source = source >> Edge(**attrs) >> nodes[services_of[link.target]]
                    via = f" through {names[services_of[link.target]]}"
                source >> Edge(label=label, **attrs) >> nodes[link.target]
                described.append(f"{names[link.source]} -> {names[link.target]}{via}" + (f" ({label})" if label else ""))
        for source, target, label in inventory.context.itertuples(index=False):
            if source in nodes and target in nodes and label != "endpoint service of":
                nodes[source] >> Edge(label=label, **CONTEXT_EDGE) >> nodes[target]
                described.append(f"{names[source]} -> {names[target]} ({label})")
        _legend()
    path.with_suffix(".txt").write_text(alt_text(title, described + placed) + "\n")
    return path.with_suffix(".png")
