"""Code deployed as Lambda functions; each module is self-contained (standard library + boto3)
so it can be zipped on its own, and each is also callable in-process against the embedded AWS.

- ``target_sync``: keeps an NLB's IP target group in step with an ALB's ENI addresses.
- ``nlb_ingress``: CloudFormation custom resource returning an NLB's addresses as SG ingress.
"""
