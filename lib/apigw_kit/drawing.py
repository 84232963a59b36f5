"""Architecture diagrams drawn from a lab's live inventory (never from what we meant to build).

Clusters are the VPC and its subnets; ENIs are drawn where they carry the
lesson (load balancer, VPC link and endpoint ENIs, with their private IPs);
request-flow edges come from ``Inventory.links`` and are labelled with the
security-group rule that admits each hop.
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


def draw(inventory, path: str | Path, title: str, client_label: str = "client") -> Path:
    """Render ``inventory`` to a PNG at ``path`` (suffix added by Graphviz is .png) and return it."""
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
        # Requests enter where the flow starts: an API, or a load balancer in front of an endpoint (pattern 3).
        targets = set(inventory.links["target"])
        for entry in dict.fromkeys(s for s in inventory.links["source"] if s not in targets and s in nodes):
            client >> Edge(label="HTTPS") >> nodes[entry]
        for link in inventory.links.itertuples():
            if link.source in nodes and link.target in nodes:
                rules = ", ".join(" -> ".join(group_names.get(g, g) for g in pair.split(" -> "))
                                  for pair in link.security_groups.split(", ") if pair)
                port = "" if link.port is None or link.port != link.port else f":{int(link.port)}"
                label = f"{rules} {port}".strip() if rules else port
                nodes[link.source] >> Edge(label=label, color="darkgreen" if rules else "black") >> nodes[link.target]
    return path.with_suffix(".png")
