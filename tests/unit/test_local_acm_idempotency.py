"""Rule acm_idempotency: a deleted certificate's idempotency token does not break RequestCertificate."""


def test_token_of_a_deleted_certificate_requests_a_new_one(client):
    acm = client("acm")
    first = acm.request_certificate(DomainName="api.example.com", ValidationMethod="DNS", IdempotencyToken="lab")
    acm.delete_certificate(CertificateArn=first["CertificateArn"])
    second = acm.request_certificate(DomainName="api.example.com", ValidationMethod="DNS", IdempotencyToken="lab")
    assert second["CertificateArn"] != first["CertificateArn"]
    assert acm.describe_certificate(CertificateArn=second["CertificateArn"])["Certificate"]["DomainName"] == "api.example.com"
