"""Architecture diagrams drawn from a lab's live inventory (never from what we meant to build).

Clusters are the VPC and its subnets; ENIs are drawn where they carry the
lesson (load balancer, VPC link and endpoint ENIs, with their private IPs);
request-flow edges come from ``Inventory.links`` and are labelled with the
security-group rule that admits each hop. Given a traced request, the path it
took is drawn over them.
"""
from __future__ import annotations

from pathlib import Path

from diagrams import Cluster, Diagram, Edge
from diagrams.aws.compute import EC2
from diagrams.aws.general import Client
from diagrams.aws.network import (
    APIGateway,
    ElbApplicationLoadBalancer,
    ElbNetworkLoadBalancer,
    Endpoint,
    Privatelink,
    VPCElasticNetworkInterface,
)

NODE_CLASSES = {
    "apigatewayv2:api": APIGateway,
    "apigateway:rest-api": APIGateway,
    "apigatewayv2:vpc-link": Privatelink,
    "apigateway:vpc-link": Privatelink,
    "ec2:instance": EC2,
    "ec2:vpc-endpoint": Endpoint,
}
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
    and the edge into the resource where it stopped thick, red and dashed.
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
    nodes: dict[str, object] = {}
    with Diagram(title, filename=str(path), outformat="png", show=False, direction="LR", graph_attr=GRAPH):
        client = Client(client_label)
        with Cluster("API Gateway (AWS-managed)"):
            for row in resources.itertuples():
                cls = _node_class(row.type, row.id)
                if cls is not None and row.type not in ("ec2:instance", "elbv2:load-balancer", "ec2:vpc-endpoint"):
                    nodes[row.id] = cls(_label(row))
        for vpc in resources[resources["type"] == "ec2:vpc"].itertuples():
            inside = resources[resources["id"].map(inventory.vpc_of) == vpc.id]
            with Cluster(f"VPC {vpc.name or vpc.id}"):
                for lb in inside[inside["type"] == "elbv2:load-balancer"].itertuples():
                    nodes[lb.id] = _node_class(lb.type, lb.id)(_label(lb))
                for subnet in inside[inside["type"] == "ec2:subnet"].itertuples():
                    enis = inventory.enis[inventory.enis["subnet"] == subnet.id]
                    zone = enis["az"].iloc[0] if len(enis) else ""
                    with Cluster(f"{subnet.name or subnet.id} {zone}".strip()):
                        for eni in enis.itertuples():
                            owner = next(resources[resources["id"] == eni.owner_id].itertuples(), None)
                            if owner is not None and owner.type in ("ec2:instance", "ec2:vpc-endpoint"):
                                # Instances and endpoints are drawn as themselves, inside their subnet.
                                if eni.owner_id not in nodes:
                                    ips = inventory.enis.loc[inventory.enis["owner_id"] == eni.owner_id, "private_ip"]
                                    nodes[eni.owner_id] = _node_class(owner.type, owner.id)(f"{_label(owner)}\n{', '.join(ips)}")
                                continue
                            node = VPCElasticNetworkInterface(f"{eni.private_ip}\n{eni.owner}")
                            if eni.owner_id in nodes:
                                nodes[eni.owner_id] >> Edge(style="dotted", color="gray") >> node
        # Requests enter at the APIs; a lab without an API in front (pattern 3) is entered where its flow starts.
        apis = set(resources.loc[resources["type"].isin(["apigatewayv2:api", "apigateway:rest-api"]), "id"])
        starts = [s for s in dict.fromkeys(inventory.links["source"]) if s not in set(inventory.links["target"]) and s in nodes]
        for entry in [s for s in starts if s in apis] or starts:
            client >> Edge(label="HTTPS", **style(None, entry)) >> nodes[entry]
        for link in inventory.links.itertuples():
            if link.source in nodes and link.target in nodes:
                rules = ", ".join(" -> ".join(group_names.get(g, g) for g in pair.split(" -> "))
                                  for pair in link.security_groups.split(", ") if pair)
                port = "" if link.port is None or link.port != link.port else f":{int(link.port)}"
                label = f"{rules} {port}".strip() if rules else port
                attrs = {"color": "darkgreen" if rules else "black", **style(link.source, link.target)}
                nodes[link.source] >> Edge(label=label, **attrs) >> nodes[link.target]
    return path.with_suffix(".png")
