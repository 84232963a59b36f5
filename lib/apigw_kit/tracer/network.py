"""Network reachability: route tables, network ACLs and security groups at each hop a TCP connection crosses.

``reachable()`` is the one judge of a connection between two sides (the tracer at every hop, the posture
checks): the client's subnet must route to the server and the server's subnet back; the network ACLs of
both subnets must let the SYN out and in on the server's port and the answer back on the client's ephemeral
port (they are stateless); the server's security groups must admit the client (they are stateful, so the
answer needs no rule).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace

from ..steps.network import network_interfaces
from .model import _Hops

ANYWHERE = ipaddress.ip_network("0.0.0.0/0")
# Rules are read lowest number first and the first match decides; the last rule (*) denies what none matched.
DOC_NACL_RULES = "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html"
# The client picks the source port of a connection and the answer comes back to it. Elastic Load Balancing,
# NAT gateways and Lambda use 1024-65535; other clients narrower ranges inside it. A client whose range is
# not known here (API Gateway's VPC link, a caller on the internet) is judged on all of 1024-65535.
DOC_EPHEMERAL = "https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html"
EPHEMERAL = (1024, 65535)
# Traffic between peered VPCs needs a route in each VPC's subnet route table to the other's CIDR.
DOC_PEERING_ROUTES = "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-routing.html"
# A peering does not carry traffic on to the peer's internet gateway or NAT gateway (edge-to-edge routing).
DOC_PEERING_LIMITS = "https://docs.aws.amazon.com/vpc/latest/peering/vpc-peering-basics.html"
# Instance targets of an NLB see the client's address by default, IP targets (TCP, TLS) the NLB's unless
# preserve_client_ip.enabled is set; PrivateLink traffic (a REST API's VPC link) always comes from the NLB.
DOC_CLIENT_IP = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/edit-target-group-attributes.html#client-ip-preservation"
# A target's rule naming the NLB's security group admits its traffic even with client IP preservation.
DOC_NLB_GROUPS = "https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html"


def rule_ports(permission: dict, port: int) -> bool:
    """Whether a security group permission covers TCP ``port`` (all traffic, or a TCP range holding it)."""
    if permission.get("IpProtocol") == "-1":
        return True
    return permission.get("IpProtocol") == "tcp" and permission.get("FromPort", 0) <= port <= permission.get("ToPort", -1)


def admits(groups: list[dict], key: str, port: int, peer_groups=(), peer_nets=()) -> str | None:
    """The rule of ``groups`` (``IpPermissions`` or ``IpPermissionsEgress``) admitting the peer, or None.

    The peer is admitted by a rule naming one of ``peer_groups``, or by CIDR rules
    that together contain every network of ``peer_nets`` (the peer's ENIs live
    there: its subnets, or one /32 per address).
    """
    covering: dict = {}  # peer network -> "group allows cidr"
    for group in groups:
        for permission in group.get(key, []):
            if not rule_ports(permission, port):
                continue
            for pair in permission.get("UserIdGroupPairs", []):
                if pair.get("GroupId") in peer_groups:
                    return f"{group['GroupId']} names {pair['GroupId']}"
            for ip_range in permission.get("IpRanges", []):
                cidr = ipaddress.ip_network(ip_range["CidrIp"], strict=False)
                for net in peer_nets:
                    if net.subnet_of(cidr) and net not in covering:
                        covering[net] = (group["GroupId"], cidr)
    if peer_nets and len(covering) == len(set(peer_nets)):
        rules = sorted({f"{g} allows {c}" for g, c in covering.values()})
        return rules[0] if len(rules) == 1 else f"{len(rules)} rules cover the {len(covering)} source addresses: {'; '.join(rules)}"
    return None


# Network ACLs and route tables ----------------------------------------------------------------
def _span(ports: list[tuple[int, int]]) -> str:
    return ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports)


def acl_allows(entries: list[dict], egress: bool, peer: ipaddress.IPv4Network, ports: tuple[int, int]) -> tuple[bool, str]:
    """(allowed, the rules that decided) for TCP between a subnet and ``peer`` on every port of ``ports``.

    Entries are read lowest rule number first and the first that matches decides. A deny entry that
    covers only part of ``peer`` or of ``ports`` still drops some connections, so it denies (the harder
    reading); an allow entry decides only for the ports it covers, and only if it covers all of ``peer``.
    """
    undecided, allowed_by = [ports], []
    for entry in sorted((e for e in entries if e.get("Egress") == egress and e.get("CidrBlock")),
                        key=lambda e: e["RuleNumber"]):
        if str(entry.get("Protocol")) not in ("-1", "6", "tcp"):
            continue
        cidr = ipaddress.ip_network(entry["CidrBlock"])
        if not peer.overlaps(cidr):
            continue
        low, high = ((entry["PortRange"]["From"], entry["PortRange"]["To"]) if entry.get("PortRange")
                     and str(entry.get("Protocol")) != "-1" else (0, 65535))
        hit = [(max(a, low), min(b, high)) for a, b in undecided if max(a, low) <= min(b, high)]
        if not hit:
            continue
        number = "*" if entry["RuleNumber"] == 32767 else str(entry["RuleNumber"])
        if entry["RuleAction"] == "deny":
            return False, f"rule {number} denies TCP {_span(hit)} {'to' if egress else 'from'} {cidr}"
        if peer.subnet_of(cidr):
            allowed_by.append(number)
            undecided = [piece for a, b in undecided for piece in ((a, min(b, low - 1)), (max(a, high + 1), b))
                         if piece[0] <= piece[1]]
            if not undecided:
                return True, f"rule{'s' if len(allowed_by) > 1 else ''} {', '.join(allowed_by)}"
    return False, f"no rule allows TCP {_span(undecided)} {'to' if egress else 'from'} {peer}: the * rule denies it"


def route_for(table: dict, destination: ipaddress.IPv4Network) -> dict | None:
    """The route a table uses for ``destination``: the most specific one whose CIDR contains it."""
    routes = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") and r.get("State", "active") == "active"
              and destination.subnet_of(ipaddress.ip_network(r["DestinationCidrBlock"]))]
    return max(routes, key=lambda r: ipaddress.ip_network(r["DestinationCidrBlock"]).prefixlen, default=None)


def route_target(route: dict) -> str:
    for key in ("VpcPeeringConnectionId", "NatGatewayId", "TransitGatewayId", "NetworkInterfaceId", "InstanceId", "GatewayId"):
        if route.get(key):
            return route[key]
    return "blackhole"


@dataclass(frozen=True)
class Side:
    """One end of a TCP connection: its addresses, the subnets it sits in (none: outside every VPC, an
    internet or VPN client) and the security groups guarding it."""
    label: str
    nets: tuple[ipaddress.IPv4Network, ...]
    subnets: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    layer: str  # route tables | network ACLs | security groups
    verdict: str  # ok | warn | fail
    id: str
    reason: str


class View:
    """The network configuration ``reachable()`` reads, each subnet, ACL and route table described once."""

    def __init__(self, ec2):
        self.ec2, self._subnets, self._acls, self._tables = ec2, {}, {}, {}

    def subnet(self, subnet_id: str) -> dict:
        if subnet_id not in self._subnets:
            self._subnets[subnet_id] = self.ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
        return self._subnets[subnet_id]

    def cidr(self, subnet_id: str) -> ipaddress.IPv4Network:
        return ipaddress.ip_network(self.subnet(subnet_id)["CidrBlock"])

    def vpc_subnets(self, vpc_id: str) -> list[str]:
        subnets = self.ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
        self._subnets.update({s["SubnetId"]: s for s in subnets})
        return sorted(s["SubnetId"] for s in subnets)

    def acl(self, subnet_id: str) -> dict:
        """Every subnet is associated with exactly one network ACL (the VPC's default one unless changed)."""
        if subnet_id not in self._acls:
            self._acls[subnet_id] = self.ec2.describe_network_acls(
                Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["NetworkAcls"][0]
        return self._acls[subnet_id]

    def table(self, subnet_id: str) -> dict:
        """The subnet's route table: its explicit association, or else the VPC's main table."""
        if subnet_id not in self._tables:
            tables = self.ec2.describe_route_tables(
                Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])["RouteTables"] or \
                self.ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [self.subnet(subnet_id)["VpcId"]]},
                                                        {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
            self._tables[subnet_id] = tables[0]
        return self._tables[subnet_id]


def _within(view: View, side: Side, subnet_id: str | None) -> list[ipaddress.IPv4Network]:
    """The addresses of ``side`` inside ``subnet_id`` (all of them outside a VPC; the subnet's CIDR if none listed)."""
    if subnet_id is None:
        return list(side.nets)
    cidr = view.cidr(subnet_id)
    return [n for n in side.nets if n.subnet_of(cidr)] or [cidr]


def _routes(view: View, client: Side, server: Side) -> Finding | None:
    """Both ways between subnets of different VPCs (within a VPC the local route carries everything)."""
    checked = []
    for c in client.subnets:
        for s in server.subnets:
            if view.subnet(c)["VpcId"] == view.subnet(s)["VpcId"]:
                continue
            for frm, to, towards in ((c, s, server), (s, c, client)):
                for net in _within(view, towards, to):
                    table = view.table(frm)
                    route = route_for(table, net)
                    target = route_target(route) if route else ""
                    if not target.startswith(("pcx-", "tgw-")):  # private addresses of another VPC: nothing else carries them
                        found = f"routes {net} to {target}, not to a peering or transit gateway" if target else f"has no route to {net}"
                        return Finding("route tables", "fail", table["RouteTableId"], f"{frm}'s route table "
                                       f"{table['RouteTableId']} {found} (the {'answer' if frm == s else 'request'} "
                                       f"cannot leave: traffic between peered VPCs needs a route each way, {DOC_PEERING_ROUTES})")
                    checked.append(f"{frm} -> {net} via {target}")
    if not checked:
        return None
    return Finding("route tables", "ok", ",".join(sorted({view.table(s)["RouteTableId"] for s in client.subnets + server.subnets})),
                   f"routes both ways: {'; '.join(sorted(set(checked)))}")


def _acls(view: View, client: Side, server: Side, port: int) -> Finding | None:
    """Each subnet crossed: the request out of the client's and into the server's on ``port``, the answer out of
    the server's and into the client's on the client's ephemeral ports. Traffic inside one subnet is not filtered."""
    used, decided = set(), []
    for c in client.subnets or (None,):
        for s in server.subnets:
            if c == s:
                continue
            steps = [(s, False, c, (port, port), "the request into"), (s, True, c, EPHEMERAL, "the answer out of")]
            if c is not None:
                steps = [(c, True, s, (port, port), "the request out of"), *steps, (c, False, s, EPHEMERAL, "the answer into")]
            for subnet, egress, peer_subnet, ports, what in steps:
                acl = view.acl(subnet)
                used.add(acl["NetworkAclId"])
                for peer in _within(view, client if subnet == s else server, peer_subnet):
                    allowed, why = acl_allows(acl.get("Entries", []), egress, peer, ports)
                    if not allowed:
                        return Finding("network ACLs", "fail", acl["NetworkAclId"], f"{acl['NetworkAclId']} drops {what} "
                                       f"{subnet}: {why} (stateless: the request and the answer on ports 1024-65535 each "
                                       f"need a rule; {DOC_NACL_RULES}, {DOC_EPHEMERAL})")
                    decided.append(why)
    if not used:
        return None
    return Finding("network ACLs", "ok", ",".join(sorted(used)), f"TCP {port} and its answer on ports "
                   f"{EPHEMERAL[0]}-{EPHEMERAL[1]} pass every subnet crossed ({'; '.join(sorted(set(decided)))})")


def reachable(view: View, client: Side, server: Side, port: int, groups: list[dict] | None = None) -> list[Finding]:
    """Judge a TCP connection from ``client`` to ``server`` on ``port``: route tables, then network ACLs, then
    (given the server's ``groups``) its security groups. The findings stop at the first that fails."""
    findings = []
    for finding in (_routes(view, client, server), _acls(view, client, server, port)):
        if finding is not None:
            findings.append(finding)
            if finding.verdict == "fail":
                return findings
    if groups is not None:
        rule = admits(groups, "IpPermissions", port, peer_groups=client.groups, peer_nets=client.nets) if groups else \
            "no security group"
        ids = ",".join(server.groups) or server.label
        findings.append(Finding("security groups", "ok", ids, rule) if rule else Finding(
            "security groups", "fail", ids, f"no ingress rule of {ids} admits {client.label} on TCP {port}"))
    return findings


def way_out(view: View, subnet_ids: list[str]) -> Finding:
    """Whether the subnets route to public addresses: an internet gateway, a NAT gateway, a transit gateway or an
    appliance (NAT instance). A route to a peering does not count: a peer's gateways are not shared."""
    public = ipaddress.ip_network("0.0.0.0/0")
    out, closed = {}, []
    for subnet in subnet_ids:
        route = route_for(view.table(subnet), public)
        target = route_target(route) if route else ""
        if target.startswith(("igw-", "nat-", "tgw-", "eni-", "i-")):
            out[subnet] = target
        else:
            closed.append(subnet + (f" (0.0.0.0/0 -> {target}: a peering carries no traffic to the peer's gateways, "
                                    f"{DOC_PEERING_LIMITS})" if target.startswith("pcx-") else ""))
    ids = ",".join(sorted({view.table(s)["RouteTableId"] for s in subnet_ids}))
    if not out:
        return Finding("route tables", "fail", ids, f"no subnet of the source has a route out (internet gateway, NAT "
                       f"gateway, transit gateway): {', '.join(closed)}; a public name is out of reach and the connection times out")
    if closed:
        return Finding("route tables", "warn", ids, f"{', '.join(f'{s} via {t}' for s, t in out.items())} route out, "
                       f"{', '.join(closed)} do not: clients there time out")
    return Finding("route tables", "ok", ids, f"route out: {', '.join(f'{s} via {t}' for s, t in sorted(out.items()))}")


class NetworkLayer(_Hops):
    privatelink = False  # set once the request reaches an NLB through PrivateLink (a REST API's VPC link)

    @property
    def view(self) -> View:
        if "_view" not in self.__dict__:
            self._view = View(self.ec2)
        return self._view

    def path_open(self, hop: str, client: Side, server: Side, port: int, status: int | None,
                  any_subnet: bool = False) -> None:
        """Route tables and network ACLs between two sides: a row for what was found, a failing hop when a
        packet is dropped (no answer comes back; the caller of this hop sees ``status``). With ``any_subnet``
        the client may sit in any of its subnets (a source VPC): it fails only if every one is cut off."""
        found = {s: reachable(self.view, replace(client, subnets=(s,)), server, port)
                 for s in (client.subnets if any_subnet and len(client.subnets) > 1 else ())} or \
            {"": reachable(self.view, client, server, port)}
        failed = {s: next(f for f in findings if f.verdict == "fail") for s, findings in found.items()
                  if any(f.verdict == "fail" for f in findings)}
        passing = [findings for s, findings in found.items() if s not in failed]
        if not passing:
            finding = next(iter(failed.values()))
            self.fail(hop, finding.layer, finding.id, f"{finding.reason}; the connection times out", status)
        for subnet, finding in failed.items():
            self.add(hop, finding.layer, finding.id, "warn", f"clients in {subnet} time out: {finding.reason}")
        for finding in passing[0]:
            self.add(hop, finding.layer, finding.id, finding.verdict, finding.reason)

    def public_way_out(self, component: str, id: str) -> None:
        """A client in a VPC calling a public name (a public API's endpoint) needs a route out of its VPC."""
        if self.source.kind != "vpc":
            return
        finding = way_out(self.view, self.view.vpc_subnets(self.source.vpc_id))
        if finding.verdict == "fail":
            self.fail("source -> " + component, finding.layer, finding.id, finding.reason, None)
        self.add("source -> " + component, finding.layer, finding.id, finding.verdict, finding.reason)

    def source_side(self) -> Side:
        """The client: a VPC's subnets (it may sit in any), or addresses outside every VPC."""
        subnets = tuple(self.view.vpc_subnets(self.source.vpc_id)) if self.source.kind == "vpc" else ()
        return Side(self.source.label, (self.source.network,), subnets)

    def groups(self, ids) -> list[dict]:
        return self.ec2.describe_security_groups(GroupIds=list(ids))["SecurityGroups"] if ids else []

    def subnet_nets(self, subnet_ids) -> dict[str, ipaddress.IPv4Network]:
        subnets = self.ec2.describe_subnets(SubnetIds=list(subnet_ids))["Subnets"] if subnet_ids else []
        return {s["SubnetId"]: ipaddress.ip_network(s["CidrBlock"]) for s in subnets}

    # Source ------------------------------------------------------------------------
    def source_reaches(self, vpc_id: str, port: int, group_ids, component: str, id: str, internet_facing: bool,
                       server: Side) -> None:
        """The client opens a TCP connection to ENIs in ``vpc_id`` (``server``) guarded by ``group_ids``."""
        hop = "source -> " + component
        source = self.source
        if source.kind == "internet":
            if not internet_facing:
                self.fail(hop, component, id, "the target is internal (private IPs only): a client on the internet "
                          "cannot reach it and the connection times out", None)
            nets = [ANYWHERE]
        elif source.kind == "vpc" and source.vpc_id != vpc_id:
            peering = self.ec2.describe_vpc_peering_connections(Filters=[
                {"Name": "status-code", "Values": ["active"]},
                {"Name": "requester-vpc-info.vpc-id", "Values": [source.vpc_id, vpc_id]},
                {"Name": "accepter-vpc-info.vpc-id", "Values": [source.vpc_id, vpc_id]}])["VpcPeeringConnections"]
            if not peering:
                self.fail(hop, component, id, f"{source.vpc_id} has no active peering with {vpc_id}: no route, "
                          "the connection times out", None)
            self.add(hop, "VPC peering", peering[0]["VpcPeeringConnectionId"], "ok",
                     f"active peering between {source.vpc_id} and {vpc_id}")
            nets = [source.network]
        elif source.kind == "network":
            self.add(hop, "client network", source.label, "warn",
                     f"routing from {source.network} into {vpc_id} (VPN, Direct Connect, transit gateway) is not checked")
            nets = [source.network]
        else:
            nets = [source.network]
        self.path_open(hop, self.source_side(), server, port, None, any_subnet=True)
        groups = self.groups(group_ids)
        if not groups:
            self.add(hop, "security groups", id, "ok", f"{component} has no security group: port {port} is open")
            return
        rule = admits(groups, "IpPermissions", port, peer_nets=nets)
        if rule is None and source.kind == "vpc":
            # A rule naming a group of the source VPC admits the clients that carry it; a group of
            # another VPC (say the load balancer's, beside the target) admits nobody from the source.
            named = {p["GroupId"] for g in groups for perm in g["IpPermissions"] if rule_ports(perm, port)
                     for p in perm.get("UserIdGroupPairs", [])}
            theirs = [g["GroupId"] for g in self.groups(named) if g.get("VpcId") == source.vpc_id]
            rule = next((f"{','.join(group_ids)} names group {g} of {source.vpc_id} (assumed to be the client's)"
                         for g in theirs), None)
            if rule:
                self.add(hop, "security groups", ",".join(group_ids), "warn", rule)
                return
        if rule is None:
            self.fail(hop, "security groups", ",".join(group_ids),
                      f"no ingress rule of {', '.join(group_ids)} admits {', '.join(map(str, nets))} on TCP {port}: "
                      "the SYN is dropped and the connection times out", None)
        self.add(hop, "security groups", ",".join(group_ids), "ok", f"ingress on TCP {port}: {rule}")

    def link_reaches(self, link: dict, lb: dict, port: int, status: int = 503) -> None:
        """A VPC link v2's ENIs reach the load balancer; ``status``: what the API answers when they cannot."""
        link_nets = self.subnet_nets(link["SubnetIds"])
        vpcs = {s["VpcId"] for s in self.ec2.describe_subnets(SubnetIds=link["SubnetIds"])["Subnets"]}
        if vpcs != {lb["VpcId"]}:
            self.fail("vpc link -> load balancer", "subnets", ",".join(link["SubnetIds"]), f"the VPC link's subnets are "
                      f"in {', '.join(sorted(vpcs))}, the load balancer in {lb['VpcId']}: its ENIs cannot reach it", status)
        lb_nets = self.load_balancer_nets(lb)
        self.add("vpc link -> load balancer", "subnets", ",".join(link["SubnetIds"]), "ok", f"same VPC {lb['VpcId']}")
        self.path_open("vpc link -> load balancer", Side("VPC link", tuple(link_nets.values()), tuple(link["SubnetIds"])),
                       self.load_balancer_side(lb, lb_nets), port, status)
        egress = admits(self.groups(link["SecurityGroupIds"]), "IpPermissionsEgress", port,
                         peer_groups=lb.get("SecurityGroups") or (), peer_nets=lb_nets)
        if egress is None:
            self.fail("vpc link egress", "security groups", ",".join(link["SecurityGroupIds"]),
                      f"no egress rule lets the VPC link's ENIs open TCP {port} to the load balancer", status)
        self.add("vpc link egress", "security groups", ",".join(link["SecurityGroupIds"]), "ok", egress)
        self.lb_ingress(lb, port, link["SecurityGroupIds"], list(link_nets.values()), "VPC link", status)

    def lb_ingress(self, lb: dict, port: int, peer_groups, peer_nets, peer: str, status: int | None) -> None:
        hop, name = f"{lb['Type'][:3]} ingress".replace("app", "ALB").replace("net", "NLB"), lb["LoadBalancerName"]
        if not lb.get("SecurityGroups"):
            self.add(hop, "security groups", name, "ok", "no security group on the load balancer")
            return
        rule = admits(self.groups(lb["SecurityGroups"]), "IpPermissions", port, peer_groups=peer_groups, peer_nets=peer_nets)
        if rule is None:
            self.fail(hop, "security groups", ",".join(lb["SecurityGroups"]), f"no ingress rule admits the {peer} "
                      f"({', '.join(peer_groups) or 'its subnets'}) on TCP {port}", status)
        self.add(hop, "security groups", ",".join(lb["SecurityGroups"]), "ok", rule)

    def load_balancer_nets(self, lb: dict) -> list[ipaddress.IPv4Network]:
        """Where the load balancer's traffic comes from: the /32 of each of its ENIs, or its subnets when none is listed."""
        description = "ELB " + lb["LoadBalancerArn"].split(":loadbalancer/")[1]
        enis = network_interfaces(self.ec2, [{"Name": "description", "Values": [description]}])
        return ([ipaddress.ip_network(e["PrivateIpAddress"]) for e in enis]
                or list(self.subnet_nets([z["SubnetId"] for z in lb["AvailabilityZones"]]).values()))

    def load_balancer_side(self, lb: dict, nets: list[ipaddress.IPv4Network]) -> Side:
        return Side(lb["LoadBalancerName"], tuple(nets), tuple(z["SubnetId"] for z in lb["AvailabilityZones"]),
                    tuple(lb.get("SecurityGroups") or ()))

    def preserves_client_ip(self, lb: dict, tg: dict) -> bool:
        """Whether the targets see the client's address rather than the NLB's (``DOC_CLIENT_IP``)."""
        if lb["Type"] != "network" or self.privatelink:
            return False
        attributes = {a["Key"]: a["Value"] for a in
                      self.elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
        default = tg["TargetType"] == "instance" or tg["Protocol"] not in ("TCP", "TLS")
        return attributes.get("preserve_client_ip.enabled", str(default).lower()) == "true"

    def target_ingress(self, lb: dict, tg: dict, health: list[dict], endpoint: dict | None) -> dict[str, tuple[str, str, str]]:
        """Each target's subnet (routes, network ACLs) and security groups admit the load balancer on the traffic
        port: the blocked ones, as target -> (component, id, why), are left to the caller, who knows whether
        requests still go to them."""
        if not health:
            return {}
        port = tg["Port"]
        lb_nets = self.load_balancer_nets(lb)
        ids = [t["Target"]["Id"] for t in health]
        if tg["TargetType"] == "instance":
            reservations = self.ec2.describe_instances(InstanceIds=ids)["Reservations"]
            instances = [i for r in reservations for i in r["Instances"]]
            target_groups = {i["InstanceId"]: [g["GroupId"] for g in i.get("SecurityGroups", [])] for i in instances}
            places = {i["InstanceId"]: (i.get("SubnetId"), i.get("PrivateIpAddress")) for i in instances}
        elif tg["TargetType"] == "ip":
            enis = network_interfaces(self.ec2, [{"Name": "addresses.private-ip-address", "Values": ids}])
            target_groups = {e["PrivateIpAddress"]: [g["GroupId"] for g in e.get("Groups", [])] for e in enis}
            places = {e["PrivateIpAddress"]: (e["SubnetId"], e["PrivateIpAddress"]) for e in enis}
            if endpoint is not None:
                # The endpoint's ENIs carry the endpoint's security groups.
                target_groups = {i: [g["GroupId"] for g in endpoint.get("Groups", [])] for i in ids}
        else:
            self.add("target ingress", "security groups", tg["TargetGroupName"], "skip", f"{tg['TargetType']} targets")
            return {}
        blocked = {}
        lb_groups = lb.get("SecurityGroups") or ()
        peer = f"{lb['LoadBalancerName']}'s " + ("security group" if lb_groups else "subnets (its ENIs have no security group)")
        client = self.load_balancer_side(lb, lb_nets)
        if self.preserves_client_ip(lb, tg):
            # The packets keep the client's address: the target's subnet and groups must admit the client
            # (or, in its groups, the NLB's security group), DOC_CLIENT_IP, DOC_NLB_GROUPS.
            client = Side(f"the client ({self.source.label}, address preserved by the NLB)", (self.source.network,),
                          client.subnets, client.groups)
            peer = f"the client's address {self.source.network} (preserved by the NLB: {DOC_CLIENT_IP})" + \
                (f" or {lb['LoadBalancerName']}'s security group" if lb_groups else "")
            lb_nets = [self.source.network]
        for target, groups in target_groups.items():
            port_of = next((t["Target"].get("Port", port) for t in health if t["Target"]["Id"] == target), port)
            subnet, address = places.get(target, (None, None))
            if subnet and address:
                found = reachable(self.view, client, Side(target, (ipaddress.ip_network(address),), (subnet,)), port_of)
                failed = next((f for f in found if f.verdict == "fail"), None)
                if failed is not None:
                    blocked[target] = (failed.layer, failed.id, f"{failed.reason}: health checks and requests are dropped")
                    continue
                for finding in found:
                    self.add("target ingress", finding.layer, finding.id, finding.verdict, f"{target}: {finding.reason}")
            rule = admits(self.groups(groups), "IpPermissions", port_of, peer_groups=lb_groups, peer_nets=lb_nets)
            if rule is None:
                blocked[target] = ("security groups", ",".join(groups), f"{target}'s groups do not admit {peer} on TCP "
                                   f"{port_of}: health checks and requests are dropped")
            else:
                self.add("target ingress", "security groups", ",".join(groups), "ok", f"{target}: {rule}")
        missing = set(ids) - set(target_groups)
        if missing:
            self.add("target ingress", "security groups", tg["TargetGroupName"], "warn",
                     f"no ENI found for {', '.join(sorted(missing))}: their security groups were not checked")
        return blocked
