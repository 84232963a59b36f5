"""Route 53 hosted zones and records, ACM certificates validated through DNS.

Records cannot be tagged, so the kit keeps a ledger: a TXT record
``_apigw-kit-<lab>-<region>.<zone>`` in the same zone listing every record the lab
created there ("TYPE name role" per value). Teardown deletes exactly those records,
whether the zone is the lab's or yours; a record that already existed when the
lab wanted it (say a validation CNAME another certificate shares: ACM reuses
one per domain name and account) is used, never listed, never deleted.

Route 53 is global: a lab sees every zone of the account, whichever region it
runs in. A lab's zones carry its region (in the ``apigw-kit:region`` tag and in
their caller reference) and its ledgers name it, so a lab of the same name in
another region neither finds nor deletes them.
"""
from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.resolver  # dnspython: the standard library cannot ask public DNS for NS records
import pandas as pd
from botocore.exceptions import ClientError

from ..errors import ParameterError
from ..tagged import tagged
from ..waits import retry_while, wait_for
from . import Found, name_of, register

RECORD_COLUMNS = ["name", "type", "value", "created_by_lab"]


@dataclass(frozen=True)
class HostedZone:
    id: str  # bare id, without /hostedzone/
    name: str  # without the trailing dot
    private: bool


@dataclass(frozen=True)
class Certificate:
    arn: str
    domain: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    name: str  # without the trailing dot
    type: str
    value: str = ""  # for plain records
    alias_dns: str = ""  # for alias records
    alias_zone: str = ""
    role: str = "record"  # names it in the lab's listing: <lab>-<role>


def _r53(lab_or_cloud):
    return getattr(lab_or_cloud, "cloud", lab_or_cloud).client("route53")


def _acm(lab_or_cloud):
    return getattr(lab_or_cloud, "cloud", lab_or_cloud).client("acm")


def _bare(name: str) -> str:
    return name.rstrip(".").lower()


def name_covered(pattern: str, name: str) -> bool:
    """Certificate name matching: a wildcard covers exactly one leftmost label."""
    pattern, name = _bare(pattern), _bare(name)
    if pattern.startswith("*."):
        head, _, rest = name.partition(".")
        return bool(head) and rest == pattern[2:]
    return pattern == name


def parent_domain(name: str) -> str:
    return _bare(name).partition(".")[2]


# Hosted zones ----------------------------------------------------------------------
def _zones(cloud) -> list[dict]:
    return [z for page in _r53(cloud).get_paginator("list_hosted_zones").paginate() for z in page["HostedZones"]]


def _zone_record(zone: dict) -> HostedZone:
    return HostedZone(zone["Id"].split("/")[-1], _bare(zone["Name"]), zone["Config"].get("PrivateZone", False))


def _reference_prefix(lab) -> str:
    # CreateHostedZone takes no tags: the reference marks the zone as the lab's (and its region's) from the
    # first call, so a run stopped before the tagging call still finds (and tags, or deletes) its zone.
    return f"apigw-kit/{lab.name}/{lab.cloud.region}/"


def _lab_zones(lab) -> list[tuple[dict, list]]:
    """(zone, tags) for the lab's zones (this region's lab only): tagged for it, or created by it and not tagged yet."""
    zones = _zones(lab.cloud)
    owned = []
    for start in range(0, len(zones), 10):  # ListTagsForResources takes 10 ids
        batch = zones[start:start + 10]
        sets = _r53(lab).list_tags_for_resources(ResourceType="hostedzone",
                                                 ResourceIds=[z["Id"].split("/")[-1] for z in batch])["ResourceTagSets"]
        tags = {s["ResourceId"]: s.get("Tags", []) for s in sets}
        owned += [(z, tags.get(z["Id"].split("/")[-1], [])) for z in batch
                  if lab.owns_global(tags.get(z["Id"].split("/")[-1], []))
                  or z["CallerReference"].startswith(_reference_prefix(lab))]
    return owned


def ensure_hosted_zone(lab, name: str, vpc_id: str | None = None, role: str = "zone") -> HostedZone:
    """The lab's hosted zone for ``name``: public, or private to ``vpc_id`` when given."""
    for zone, tags in _lab_zones(lab):
        if _bare(zone["Name"]) == _bare(name) and zone["Config"].get("PrivateZone", False) == bool(vpc_id):
            if not lab.owns_global(tags):  # created by a run that stopped before tagging it
                _r53(lab).change_tags_for_resource(ResourceType="hostedzone", ResourceId=zone["Id"].split("/")[-1],
                                                   AddTags=lab.global_tag_list(role))
            return _zone_record(zone)
    kwargs = {"VPC": {"VPCRegion": lab.cloud.region, "VPCId": vpc_id}} if vpc_id else {}
    with lab.idempotency_token(role, _bare(name), vpc_id) as token:  # unique per create, as Route 53 asks
        zone = _r53(lab).create_hosted_zone(
            Name=name, CallerReference=f"{_reference_prefix(lab)}{role}/{token}",
            HostedZoneConfig={"Comment": f"apigw-kit lab {lab.name}", "PrivateZone": bool(vpc_id)}, **kwargs)["HostedZone"]
    record = _zone_record(zone)
    _r53(lab).change_tags_for_resource(ResourceType="hostedzone", ResourceId=record.id, AddTags=lab.global_tag_list(role))
    return record


def describe_hosted_zone(cloud, zone_id: str, parameter: str = "hosted_zone_id") -> HostedZone:
    try:
        zone = _r53(cloud).get_hosted_zone(Id=zone_id)["HostedZone"]
    except ClientError as exc:
        raise ParameterError(parameter, f"{zone_id!r} was not found ({exc.response['Error']['Code']})",
                             "pass the id of a Route 53 hosted zone of this account (Z...)") from None
    return _zone_record(zone)


# Delegation -----------------------------------------------------------------------------
# ACM reads the validation CNAME through public DNS
# (https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html): a private zone never answers it,
# and a public zone answers only if the parent domain delegates to its name servers
# (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html).
DELEGATION_PAGE = "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/CreatingNewSubdomain.html"


@dataclass(frozen=True)
class Delegation:
    delegated: bool | None  # None: nothing here could tell
    detail: str


def zone_name_servers(cloud, zone: HostedZone) -> set[str]:
    found = _r53(cloud).get_hosted_zone(Id=zone.id).get("DelegationSet", {}).get("NameServers", [])
    return {_bare(n) for n in found}


def _parent_zone(cloud, name: str) -> HostedZone | None:
    """The account's public zone for the closest domain above ``name``."""
    above = [z for z in map(_zone_record, _zones(cloud)) if not z.private and _bare(name).endswith("." + z.name)]
    return max(above, key=lambda z: len(z.name), default=None)


def _resolve_name_servers(name: str) -> set[str] | None:
    """The NS records public DNS gives for ``name`` (empty: none); None when no resolver answered."""
    try:
        return {_bare(r.to_text()) for r in dns.resolver.resolve(name, "NS")}
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return set()
    except dns.exception.DNSException:
        return None


def delegation(cloud, name: str, name_servers: set[str] | None) -> Delegation:
    """Whether public DNS sends queries for ``name`` to ``name_servers`` (None: a zone yet to be created).

    The parent's zone, when this account holds it, answers through Route 53. Otherwise a real
    account asks public DNS; the embedded AWS has no public DNS, so there the registrar's
    delegation is assumed.
    """
    parent = _parent_zone(cloud, name)
    if parent is not None:
        found = _record_set(cloud, parent.id, name, "NS")
        delegated_to = {_bare(r["Value"]) for r in (found or {}).get("ResourceRecords", [])}
        where = f"the parent zone {parent.name} ({parent.id}) in this account"
        if not delegated_to:
            return Delegation(False, f"{where} has no NS record for {name}")
        if name_servers is None or delegated_to != name_servers:
            return Delegation(False, f"{where} delegates {name} to {', '.join(sorted(delegated_to))}, not to this zone's "
                                     f"name servers ({', '.join(sorted(name_servers or [])) or 'a zone not created yet'})")
        return Delegation(True, f"{where} delegates {name} to this zone's name servers")
    if cloud.backend != "aws":
        return Delegation(None, f"no zone above {name} in this account, and the embedded AWS has no public DNS: "
                                "the registrar's delegation is assumed")
    public = _resolve_name_servers(name)
    if public is None:
        return Delegation(None, f"no zone above {name} in this account and public DNS did not answer: "
                                f"check that `dig +short NS {name}` lists {', '.join(sorted(name_servers or []))}")
    if public != name_servers:
        return Delegation(False, f"public DNS gives {', '.join(sorted(public)) or 'no NS records'} for {name}, not this "
                                 f"zone's name servers ({', '.join(sorted(name_servers or []))})")
    return Delegation(True, f"public DNS delegates {name} to this zone's name servers")


# Records and the ledger ---------------------------------------------------------------
def ledger_name(lab, zone: HostedZone) -> str:
    return _ledger_name(lab.name, lab.cloud.region, zone)


def _ledger_name(lab_name: str, region: str, zone: HostedZone) -> str:
    # The region too: a zone (yours, passed as hosted_zone_id) can serve labs of one name in two regions.
    return f"_apigw-kit-{lab_name}-{region}.{zone.name}"


def _record_set(cloud, zone_id: str, name: str, type_: str) -> dict | None:
    found = _r53(cloud).list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name,
                                                  StartRecordType=type_, MaxItems="1")["ResourceRecordSets"]
    if found and _bare(found[0]["Name"]) == _bare(name) and found[0]["Type"] == type_:
        return found[0]
    return None


def _ledger(cloud, lab_name: str, zone: HostedZone) -> dict[tuple[str, str], str]:
    """(TYPE, name) -> role of each record the lab created in ``zone``."""
    found = _record_set(cloud, zone.id, _ledger_name(lab_name, cloud.region, zone), "TXT")
    entries = [r["Value"].strip('"').split(" ") for r in (found or {}).get("ResourceRecords", [])]
    return {(type_, name): role for type_, name, role in entries}


def _ledger_change(lab, zone: HostedZone, entries: dict[tuple[str, str], str]) -> dict:
    name = ledger_name(lab, zone)
    if not entries:
        current = _record_set(lab.cloud, zone.id, name, "TXT")
        return {"Action": "DELETE", "ResourceRecordSet": current}
    values = [{"Value": f'"{type_} {record} {role}"'} for (type_, record), role in sorted(entries.items())]
    return {"Action": "UPSERT", "ResourceRecordSet": {"Name": name, "Type": "TXT", "TTL": 300, "ResourceRecords": values}}


def _record_set_of(record: Record) -> dict:
    if record.alias_dns:
        return {"Name": record.name, "Type": record.type, "AliasTarget": {
            "DNSName": record.alias_dns, "HostedZoneId": record.alias_zone, "EvaluateTargetHealth": False}}
    return {"Name": record.name, "Type": record.type, "TTL": 300, "ResourceRecords": [{"Value": record.value}]}


def _matches(current: dict, record: Record) -> bool:
    if record.alias_dns:
        alias = current.get("AliasTarget") or {}
        return _bare(alias.get("DNSName", "")) == _bare(record.alias_dns) and alias.get("HostedZoneId") == record.alias_zone
    return [_bare(r["Value"]) for r in current.get("ResourceRecords", [])] == [_bare(record.value)]


def ensure_records(lab, zone: HostedZone, records: list[Record]) -> list[Record]:
    """Write the records that are missing or differ, in one change with the ledger; return those written.

    A record that exists with the wanted value and is not in the ledger was not
    made by the lab: it is used as it is and stays out of the ledger.
    """
    ledger = _ledger(lab.cloud, lab.name, zone)
    changes, written = [], []
    for record in records:
        current = _record_set(lab.cloud, zone.id, record.name, record.type)
        if current is not None and _matches(current, record):
            continue
        if current is not None and (record.type, _bare(record.name)) not in ledger:
            raise ParameterError("hosted_zone_id", f"{record.type} {record.name} exists in zone {zone.name} with "
                                 "another value and was not created by this lab",
                                 "remove or rename that record, or choose another domain name")
        changes.append({"Action": "UPSERT", "ResourceRecordSet": _record_set_of(record)})
        ledger[(record.type, _bare(record.name))] = record.role
        written.append(record)
    if changes:
        changes.append(_ledger_change(lab, zone, ledger))
        _r53(lab).change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={
            "Comment": f"apigw-kit lab {lab.name}", "Changes": changes})
    return written


def ensure_alias_record(lab, zone: HostedZone, name: str, target_dns: str, target_zone_id: str,
                        role: str = "alias") -> Record:
    """An alias A record ``name`` -> ``target_dns`` in Route 53 zone ``target_zone_id``."""
    record = Record(_bare(name), "A", alias_dns=_bare(target_dns), alias_zone=target_zone_id, role=role)
    ensure_records(lab, zone, [record])
    return record


def ensure_private_alias(lab, name: str, vpc_id: str, target_dns: str, target_zone_id: str,
                         role: str = "private-zone") -> HostedZone:
    """A private hosted zone for exactly ``name``, associated with ``vpc_id``, its apex an alias A record to a target.

    The zone is named after the one host, not its parent domain, so the VPC keeps resolving the parent's other
    names through public DNS. Route 53 routes a private API's domain to an interface endpoint this way
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-api-gateway.html,
    https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-vpc-interface-endpoint.html).
    """
    zone = ensure_hosted_zone(lab, name, vpc_id=vpc_id, role=role)
    associated = [v["VPCId"] for v in _r53(lab).get_hosted_zone(Id=zone.id).get("VPCs", [])]
    if vpc_id not in associated:  # a zone kept from a run whose client VPC was replaced since
        _r53(lab).associate_vpc_with_hosted_zone(HostedZoneId=zone.id, VPC={"VPCRegion": lab.cloud.region, "VPCId": vpc_id})
    ensure_alias_record(lab, zone, name, target_dns, target_zone_id, role="private-alias")
    return zone


def records_of(cloud, zone: HostedZone, lab_name: str) -> pd.DataFrame:
    """The zone's records (apex NS/SOA aside), marking those the lab's ledger lists."""
    ledger = _ledger(cloud, lab_name, zone)
    ledger[("TXT", _ledger_name(lab_name, cloud.region, zone))] = "ledger"  # the ledger lists itself as the lab's too
    pages = _r53(cloud).get_paginator("list_resource_record_sets").paginate(HostedZoneId=zone.id)
    rows = [{"name": _bare(r["Name"]), "type": r["Type"],
             "value": ("alias " + _bare(r["AliasTarget"]["DNSName"]) if "AliasTarget" in r else
                       ", ".join(v["Value"] for v in r.get("ResourceRecords", []))),
             "created_by_lab": (r["Type"], _bare(r["Name"])) in ledger}
            for page in pages for r in page["ResourceRecordSets"]
            if not (r["Type"] in ("NS", "SOA") and _bare(r["Name"]) == zone.name)]
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


# Certificates -----------------------------------------------------------------------------
def _lab_certificates(lab) -> list[tuple[dict, list]]:
    """(summary, tags) for the lab's certificates."""
    pages = _acm(lab).get_paginator("list_certificates").paginate()
    owned = []
    for summary in (c for page in pages for c in page["CertificateSummaryList"]):
        tags = _acm(lab).list_tags_for_certificate(CertificateArn=summary["CertificateArn"]).get("Tags", [])
        if lab.owns(tags):
            owned.append((summary, tags))
    return owned


def describe_certificate(cloud, arn: str, parameter: str = "certificate_arn") -> Certificate:
    try:
        cert = _acm(cloud).describe_certificate(CertificateArn=arn)["Certificate"]
    except ClientError as exc:
        raise ParameterError(parameter, f"{arn!r} was not found ({exc.response['Error']['Code']})",
                             "pass the ARN of an ACM certificate in this region") from None
    return Certificate(arn, cert["DomainName"], tuple(dict.fromkeys([cert["DomainName"], *cert.get("SubjectAlternativeNames", [])])))


def ensure_certificate(lab, domain: str, alternative_names=(), role: str = "certificate") -> Certificate:
    """A public certificate for ``domain`` (and ``alternative_names``), validated by DNS; not waited for."""
    names = tuple(dict.fromkeys([_bare(domain), *map(_bare, alternative_names)]))
    for summary, _ in _lab_certificates(lab):
        if _bare(summary["DomainName"]) == names[0]:
            return describe_certificate(lab.cloud, summary["CertificateArn"])
    kwargs = {"SubjectAlternativeNames": list(names)} if len(names) > 1 else {}
    with lab.idempotency_token(role, *names) as token:  # ACM answers a token it saw within the hour with that certificate
        arn = _acm(lab).request_certificate(DomainName=names[0], ValidationMethod="DNS", IdempotencyToken=token,
                                            Tags=lab.tag_list(role), **kwargs)["CertificateArn"]
    return Certificate(arn, names[0], names)


def validation_records(lab, cert: Certificate) -> list[Record]:
    """The CNAMEs ACM asks for, waiting the few seconds ACM takes to publish them."""
    def options() -> list[dict]:
        return _acm(lab).describe_certificate(CertificateArn=cert.arn)["Certificate"].get("DomainValidationOptions", [])

    wait_for(lab.cloud, f"validation records of {cert.domain}",
             lambda: "ready" if options() and all("ResourceRecord" in o for o in options()) else "not published",
             {"ready"}, timeout=120, poll=5, cause="ACM publishes DNS validation records a few seconds after the request.")
    records = {(o["ResourceRecord"]["Name"], o["ResourceRecord"]["Value"]) for o in options()}
    return [Record(_bare(name), "CNAME", value=value, role="validation") for name, value in sorted(records)]  # one per name: wildcards share


def certificate_status(cloud, arn: str) -> str:
    return _acm(cloud).describe_certificate(CertificateArn=arn)["Certificate"]["Status"]


# Simulated seconds. Under the runbook's cell timeout (runbook.CELL_TIMEOUT, 1800 s), so a certificate that
# never validates ends the cell with this wait's error, which names the record to check, not papermill's.
CERTIFICATE_TIMEOUT = 1500


def wait_certificate(lab, cert: Certificate, zone: HostedZone) -> None:
    """Wait for ``cert`` to be issued; on timeout, name each validation record and the zone it was written to."""
    options = _acm(lab).describe_certificate(CertificateArn=cert.arn)["Certificate"].get("DomainValidationOptions", [])
    records = sorted({(_bare(o["ResourceRecord"]["Name"]), _bare(o["ResourceRecord"]["Value"]))
                      for o in options if "ResourceRecord" in o})
    checks = "; ".join(f"`dig +short CNAME {name}` must answer {value}" for name, value in records)
    wait_for(lab.cloud, f"certificate {cert.domain}", lambda: certificate_status(lab.cloud, cert.arn), {"ISSUED"},
             failed=frozenset({"FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED"}), timeout=CERTIFICATE_TIMEOUT,
             poll=15, cause=f"ACM issues a DNS-validated certificate a few minutes after public DNS answers its "
                            f"validation record, written to {'private' if zone.private else 'public'} hosted zone "
                            f"{zone.name} ({zone.id}): {checks or 'no validation record published yet'}. If it does not, "
                            "the zone is not the one the domain is delegated to.")


def certificates_of(cloud, arns) -> pd.DataFrame:
    rows = []
    for arn in arns:
        cert = _acm(cloud).describe_certificate(CertificateArn=arn)["Certificate"]
        rows.append({"certificate": arn.split("/")[-1], "domain": cert["DomainName"],
                     "names": ", ".join(cert.get("SubjectAlternativeNames", [])), "status": cert["Status"],
                     "in_use_by": len(cert.get("InUseBy", []))})
    return pd.DataFrame(rows, columns=["certificate", "domain", "names", "status", "in_use_by"])


# Teardown --------------------------------------------------------------------------------------
def _find_records(lab) -> list[Found]:
    # One ledger read per zone of the account: records carry no tags, a bring-your-own zone is not tagged
    # for the lab, and Route 53 has no search across zones.
    found = []
    for zone in map(_zone_record, _zones(lab.cloud)):
        for (type_, name), role in _ledger(lab.cloud, lab.name, zone).items():
            found.append(Found("route53:record", f"{type_} {name}", lab.resource_name(role), zone.id,
                               extra=(("zone", zone.id), ("zone_name", zone.name), ("type", type_), ("name", name))))
    return found


def _delete_record(lab, found: Found) -> None:
    extra = dict(found.extra)
    zone = HostedZone(extra["zone"], extra["zone_name"], False)
    ledger = _ledger(lab.cloud, lab.name, zone)
    ledger.pop((extra["type"], extra["name"]), None)
    changes = [_ledger_change(lab, zone, ledger)]
    current = _record_set(lab.cloud, zone.id, extra["name"], extra["type"])
    if current is not None:  # DELETE must repeat the record exactly as it is now
        changes.insert(0, {"Action": "DELETE", "ResourceRecordSet": current})
    _r53(lab).change_resource_record_sets(HostedZoneId=zone.id, ChangeBatch={"Changes": changes})


def _find_zones(lab) -> list[Found]:
    """Zones tagged for the lab (Tagging API) or created by it (caller reference), among those Route 53 lists.

    ListHostedZones (100 zones a page) confirms each zone still exists and finds one whose run stopped
    before tagging it; the ledger reads of _find_records need that list anyway.
    """
    tags = {arn.split("/")[-1]: found for arn, found in tagged(lab, "route53:hostedzone").items()
            if lab.owns_global(found)}  # zones are account-wide: a same-named lab of another region keeps its own
    return [Found("route53:hosted-zone", z["Id"].split("/")[-1], name_of(tags.get(z["Id"].split("/")[-1])),
                  ("private " if z["Config"].get("PrivateZone") else "public ") + _bare(z["Name"]))
            for z in _zones(lab.cloud)
            if z["Id"].split("/")[-1] in tags or z["CallerReference"].startswith(_reference_prefix(lab))]


def _delete_zone(lab, found: Found) -> None:
    _r53(lab).delete_hosted_zone(Id=found.id)


def _find_certificates(lab) -> list[Found]:
    """The lab's certificates from the Tagging API, each confirmed by ACM (the Tagging API can lag a deletion)."""
    found = []
    for arn, tags in tagged(lab, "acm:certificate").items():
        try:
            cert = _acm(lab).describe_certificate(CertificateArn=arn)["Certificate"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                continue
            raise
        found.append(Found("acm:certificate", arn, name_of(tags), f"{cert.get('Status', '')} {cert['DomainName']}".strip()))
    return found


def _delete_certificate(lab, found: Found) -> None:
    # A listener or custom domain releases its certificate a little after it is deleted.
    retry_while(lab.cloud, f"certificate {found.name}", lambda: _acm(lab).delete_certificate(CertificateArn=found.id),
                {"ResourceInUseException"}, timeout=600, poll=15)


register("route53:record", 30, _find_records, _delete_record)
register("route53:hosted-zone", 38, _find_zones, _delete_zone)
register("acm:certificate", 57, _find_certificates, _delete_certificate)  # after the listeners (50) that use it
