"""CreateDeployment naming an existing REST API stage points that stage at the new deployment and keeps the stage.

moto replaces the stage with a new one, losing its method settings (throttling), access log settings, tags and
cache settings. On AWS a stage is redeployed as often as needed and its settings stay: "You can reuse the same
stage as many times as desired" (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-deployments.html);
the stage's deploymentId is what changes (https://docs.aws.amazon.com/apigateway/latest/api/API_CreateDeployment.html).
Stage variables passed with the deployment are merged into the stage's.
"""
from __future__ import annotations

from moto.apigateway.models import RestAPI

from . import Rule


def install() -> None:
    create_deployment = RestAPI.create_deployment

    def keeping_the_stage(self: RestAPI, name: str, description: str, stage_variables=None):
        existing = self.stages.get(name) if name else None
        deployment = create_deployment(self, name, description, stage_variables)
        if existing is not None:
            existing.deployment_id = deployment.id
            existing.variables = {**existing.variables, **(stage_variables or {})}
            self.stages[name] = existing
        return deployment

    RestAPI.create_deployment = keeping_the_stage


RULE = Rule(
    name="apigw_rest_redeploy",
    mirrors="CreateDeployment with an existing REST API stage's name points the stage at the new deployment and "
            "keeps its settings (method settings, access logs, tags).",
    install=install,
)
