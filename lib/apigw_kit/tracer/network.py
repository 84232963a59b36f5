"""Network reachability: security groups at each hop a TCP connection crosses."""
from __future__ import annotations

import ipaddress

from ..steps.network import network_interfaces
from .model import _Hops

ANYWHERE = ipaddress.ip_network("0.0.0.0/0")


def _rule_ports(permission: dict, port: int) -> bool:
    if permission.get("IpProtocol") == "-1":
        return True
    return permission.get("IpProtocol") == "tcp" and permission.get("FromPort", 0) <= port <= permission.get("ToPort", -1)


def _admits(groups: list[dict], key: str, port: int, peer_groups=(), peer_nets=()) -> str | None:
    """The rule of ``groups`` (``IpPermissions`` or ``IpPermissionsEgress``) admitting the peer, or None.

    The peer is admitted by a rule naming one of ``peer_groups``, or by CIDR rules
    that together contain every network of ``peer_nets`` (the peer's ENIs live
    there: its subnets, or one /32 per address).
    """
    covering: dict = {}  # peer network -> "group allows cidr"
    for group in groups:
        for permission in group.get(key, []):
            if not _rule_ports(permission, port):
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


class NetworkLayer(_Hops):
    def groups(self, ids) -> list[dict]:
        return self.ec2.describe_security_groups(GroupIds=list(ids))["SecurityGroups"] if ids else []

    def subnet_nets(self, subnet_ids) -> dict[str, ipaddress.IPv4Network]:
        subnets = self.ec2.describe_subnets(SubnetIds=list(subnet_ids))["Subnets"] if subnet_ids else []
        return {s["SubnetId"]: ipaddress.ip_network(s["CidrBlock"]) for s in subnets}

    # Source ------------------------------------------------------------------------
    def source_reaches(self, vpc_id: str, port: int, group_ids, component: str, id: str, internet_facing: bool) -> None:
        """The client opens a TCP connection to ENIs in ``vpc_id`` guarded by ``group_ids``."""
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
            self.add(hop, "VPC peering", peering[0]["VpcPeeringConnectionId"], "warn",
                     "active peering; route tables and NACLs on both sides are not checked")
            nets = [source.network]
        elif source.kind == "network":
            self.add(hop, "client network", source.label, "warn",
                     f"routing from {source.network} into {vpc_id} (VPN, Direct Connect, transit gateway) is not checked")
            nets = [source.network]
        else:
            nets = [source.network]
        groups = self.groups(group_ids)
        if not groups:
            self.add(hop, "security groups", id, "ok", f"{component} has no security group: port {port} is open")
            return
        rule = _admits(groups, "IpPermissions", port, peer_nets=nets)
        if rule is None and source.kind == "vpc":
            # A rule naming a group of the source VPC admits the clients that carry it; a group of
            # another VPC (say the load balancer's, beside the target) admits nobody from the source.
            named = {p["GroupId"] for g in groups for perm in g["IpPermissions"] if _rule_ports(perm, port)
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

    def link_reaches(self, link: dict, lb: dict, port: int) -> None:
        link_nets = self.subnet_nets(link["SubnetIds"])
        vpcs = {s["VpcId"] for s in self.ec2.describe_subnets(SubnetIds=link["SubnetIds"])["Subnets"]}
        if vpcs != {lb["VpcId"]}:
            self.fail("vpc link -> load balancer", "subnets", ",".join(link["SubnetIds"]), f"the VPC link's subnets are "
                      f"in {', '.join(sorted(vpcs))}, the load balancer in {lb['VpcId']}: its ENIs cannot reach it", 503)
        lb_nets = self.load_balancer_nets(lb)
        self.add("vpc link -> load balancer", "subnets", ",".join(link["SubnetIds"]), "ok", f"same VPC {lb['VpcId']}")
        egress = _admits(self.groups(link["SecurityGroupIds"]), "IpPermissionsEgress", port,
                         peer_groups=lb.get("SecurityGroups") or (), peer_nets=lb_nets)
        if egress is None:
            self.fail("vpc link egress", "security groups", ",".join(link["SecurityGroupIds"]),
                      f"no egress rule lets the VPC link's ENIs open TCP {port} to the load balancer", 503)
        self.add("vpc link egress", "security groups", ",".join(link["SecurityGroupIds"]), "ok", egress)
        self.lb_ingress(lb, port, link["SecurityGroupIds"], list(link_nets.values()), "VPC link", 503)

    def lb_ingress(self, lb: dict, port: int, peer_groups, peer_nets, peer: str, status: int | None) -> None:
        hop, name = f"{lb['Type'][:3]} ingress".replace("app", "ALB").replace("net", "NLB"), lb["LoadBalancerName"]
        if not lb.get("SecurityGroups"):
            self.add(hop, "security groups", name, "ok", "no security group on the load balancer")
            return
        rule = _admits(self.groups(lb["SecurityGroups"]), "IpPermissions", port, peer_groups=peer_groups, peer_nets=peer_nets)
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

    def target_ingress(self, lb: dict, tg: dict, health: list[dict], endpoint: dict | None) -> dict[str, tuple[str, str]]:
        """Each target's security groups admit the load balancer on the traffic port: the blocked ones, as
        target -> (its groups, why), are left to the caller, who knows whether requests still go to them."""
        if not health:
            return {}
        port = tg["Port"]
        lb_nets = self.load_balancer_nets(lb)
        ids = [t["Target"]["Id"] for t in health]
        if tg["TargetType"] == "instance":
            reservations = self.ec2.describe_instances(InstanceIds=ids)["Reservations"]
            target_groups = {i["InstanceId"]: [g["GroupId"] for g in i.get("SecurityGroups", [])]
                             for r in reservations for i in r["Instances"]}
        elif endpoint is not None:
            # The endpoint's ENIs carry the endpoint's security groups.
            target_groups = {i: [g["GroupId"] for g in endpoint.get("Groups", [])] for i in ids}
        elif tg["TargetType"] == "ip":
            enis = network_interfaces(self.ec2, [{"Name": "addresses.private-ip-address", "Values": ids}])
            target_groups = {e["PrivateIpAddress"]: [g["GroupId"] for g in e.get("Groups", [])] for e in enis}
        else:
            self.add("target ingress", "security groups", tg["TargetGroupName"], "skip", f"{tg['TargetType']} targets")
            return {}
        blocked = {}
        lb_groups = lb.get("SecurityGroups") or ()
        peer = f"{lb['LoadBalancerName']}'s " + ("security group" if lb_groups else "subnets (its ENIs have no security group)")
        for target, groups in target_groups.items():
            port_of = next((t["Target"].get("Port", port) for t in health if t["Target"]["Id"] == target), port)
            rule = _admits(self.groups(groups), "IpPermissions", port_of, peer_groups=lb_groups, peer_nets=lb_nets)
            if rule is None:
                blocked[target] = (",".join(groups), f"{target}'s groups do not admit {peer} on TCP {port_of}: "
                                   "health checks and requests are dropped")
            else:
                self.add("target ingress", "security groups", ",".join(groups), "ok", f"{target}: {rule}")
        missing = set(ids) - set(target_groups)
        if missing:
            self.add("target ingress", "security groups", tg["TargetGroupName"], "warn",
                     f"no ENI found for {', '.join(sorted(missing))}: their security groups were not checked")
        return blocked
