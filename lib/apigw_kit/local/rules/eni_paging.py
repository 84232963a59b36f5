"""DescribeNetworkInterfaces pages as EC2 does, and refuses unpaginated listings of a large account.

The API reference (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNetworkInterfaces.html):
``MaxResults`` is 5 to 1000 and cannot be combined with ``NetworkInterfaceIds``; "If you have a large
number of network interfaces, the operation fails unless you use pagination or one of the following
filters: group-id, mac-address, private-dns-name, private-ip-address, subnet-id, or vpc-id", and "Unpaginated requests are susceptible to throttling and timeouts" (also the EC2 guide's
https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-pagination.html). Combining IDs with MaxResults
fails with InvalidParameterCombination (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html#api-pagination).

AWS names neither the number of interfaces that counts as large nor the error code. The rule takes
the harder reading: every unpaginated call without IDs or one of those filters fails once the region
holds more than ``UNPAGINATED_LIMIT`` interfaces (1000, the most one page can return: beyond it no
single answer can hold them all), with a client error botocore does not retry (``InvalidRequest``).
The admin route ``eni-paging`` lowers the limit of the existing EC2 backends for tests
(``{"unpaginated_limit": n}``; null restores it; a reset of the embedded AWS forgets it).
"""
from __future__ import annotations

from moto.ec2.exceptions import EC2ClientError
from moto.ec2.models import ec2_backends
from moto.ec2.responses.elastic_network_interfaces import ElasticNetworkInterfaces

from . import Rule
from ._patch import wrap

PAGE_SIZES = range(5, 1001)
UNPAGINATED_LIMIT = 1000
# The filters the API reference lets an unpaginated call use in a large account.
INDEXED_FILTERS = frozenset({"group-id", "mac-address", "private-dns-name", "private-ip-address", "subnet-id",
                             "vpc-id"})
_TOKEN = "eni-page-"
_LIMIT = "_apigw_kit_unpaginated_limit"  # kept on the EC2 backend, so a reset forgets it


def _page_size(response: ElasticNetworkInterfaces) -> int | None:
    size = response._get_param("MaxResults")
    if size is None:
        return None
    if response._get_param("NetworkInterfaceIds") or response._get_param("NetworkInterfaceId"):
        raise EC2ClientError("InvalidParameterCombination",
                             "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults")
    if int(size) not in PAGE_SIZES:
        raise EC2ClientError("InvalidParameterValue", f"Value ( {size} ) for parameter maxResults is invalid. "
                                                      f"Expecting a value between {PAGE_SIZES.start} and {PAGE_SIZES.stop - 1}.")
    return int(size)


def _start(response: ElasticNetworkInterfaces) -> int:
    token = response._get_param("NextToken")
    if not token:
        return 0
    if not token.startswith(_TOKEN) or not token[len(_TOKEN):].isdigit():
        raise EC2ClientError("InvalidPaginationToken", f"Invalid pagination token: {token}")
    return int(token[len(_TOKEN):])


def _refuse_unpaginated(response: ElasticNetworkInterfaces) -> None:
    if response._get_param("NetworkInterfaceIds") or response._get_param("NetworkInterfaceId"):
        return
    if INDEXED_FILTERS & set(response._filters_from_querystring()):
        return
    held = len(response.ec2_backend.enis)
    if held > getattr(response.ec2_backend, _LIMIT, UNPAGINATED_LIMIT):
        raise EC2ClientError(
            "InvalidRequest",
            f"This account holds {held} network interfaces: describe them with MaxResults and NextToken, "
            f"or filter on one of {', '.join(sorted(INDEXED_FILTERS))}.")


def _describe(original, self: ElasticNetworkInterfaces):
    size = _page_size(self)
    if size is None:
        _refuse_unpaginated(self)
        return original(self)
    start = _start(self)
    result = original(self)
    interfaces = result.result["NetworkInterfaces"]
    result.result["NetworkInterfaces"] = interfaces[start:start + size]
    if start + size < len(interfaces):
        result.result["NextToken"] = f"{_TOKEN}{start + size}"
    return result


def set_limit(body: dict) -> dict:
    """{"unpaginated_limit": n | null} -> the limit now in force (null: back to UNPAGINATED_LIMIT)."""
    value = body.get("unpaginated_limit")
    limit = UNPAGINATED_LIMIT if value is None else int(value)
    for _, _, backend in ec2_backends.iter_backends():
        setattr(backend, _LIMIT, limit)
    return {"unpaginated_limit": limit}


def install() -> None:
    from ..server import ADMIN_ROUTES
    wrap(ElasticNetworkInterfaces, "describe_network_interfaces", _describe)
    ADMIN_ROUTES["eni-paging"] = set_limit


RULE = Rule(
    name="eni_paging",
    mirrors="DescribeNetworkInterfaces honours MaxResults (5-1000, not with IDs) and NextToken; an unpaginated call "
            "without IDs or an indexed filter fails once the region holds more than 1000 interfaces.",
    install=install,
)
