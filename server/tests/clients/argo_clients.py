"""Drive a keelson server with real Argo client libraries from PyPI: Hera
and the argo-workflows SDK (versions pinned in requirements.txt), exactly
as their users call them. Run by server/tests/argo_clients.rs with
KEELSON_URL and KEELSON_TOKEN set; MARK_DIR is a directory for a task that
fails once, then succeeds (so a retry has something to fix).

Each check prints one line; any failure raises (non-zero exit).
"""

import json
import os
import time

URL = os.environ["KEELSON_URL"]
TOKEN = os.environ["KEELSON_TOKEN"]
MARK = os.path.join(os.environ["MARK_DIR"], "failed-once")
NS = "default"


def wait_for(get, name, phases=("Succeeded", "Failed", "Error"), timeout=60):
    start = time.time()
    while time.time() - start < timeout:
        wf = get(name)
        if wf.status is not None and wf.status.phase in phases:
            return wf
        time.sleep(0.3)
    raise AssertionError(f"{name} did not reach {phases}")


def hera_checks():
    from hera.exceptions import NotFound
    from hera.workflows import Container, Parameter, Workflow, WorkflowsService, WorkflowTemplate
    from hera.workflows.models import (
        WorkflowResubmitRequest,
        WorkflowRetryRequest,
        WorkflowSubmitRequest,
        SubmitOpts,
    )

    svc = WorkflowsService(host=URL, token=TOKEN, namespace=NS)
    version = svc.get_version()
    print("hera: version", version.version)
    print("hera: userinfo", svc.get_user_info().subject)

    # Create and wait, as Hera users do.
    with Workflow(
        generate_name="hera-",
        entrypoint="main",
        namespace=NS,
        labels={"client": "hera"},
        workflows_service=svc,
    ) as w:
        Container(name="main", image="alpine", command=["sh", "-c", "echo hello from hera"])
    created = w.create(wait=True, poll_interval=1)
    assert created.status.phase == "Succeeded", created.status
    name = created.metadata.name
    print("hera: created and waited", name, created.status.phase)

    # Get, list with a label selector and fields.
    got = svc.get_workflow(name)
    assert got.metadata.uid == created.metadata.uid
    listed = svc.list_workflows(label_selector="client=hera")
    assert [i.metadata.name for i in listed.items] == [name], listed.items
    assert listed.metadata.resource_version
    print("hera: get and list", len(listed.items))

    # A template, submitted with parameters.
    with WorkflowTemplate(
        name="hera-greet",
        entrypoint="main",
        namespace=NS,
        arguments=Parameter(name="who", value="world"),
        workflows_service=svc,
    ) as wt:
        Container(
            name="main",
            image="alpine",
            command=["sh", "-c", "echo hello {{workflow.parameters.who}}"],
        )
    wt.create()
    assert wt.get().metadata.name == "hera-greet"
    submitted = svc.submit_workflow(
        WorkflowSubmitRequest(
            namespace=NS,
            resource_kind="WorkflowTemplate",
            resource_name="hera-greet",
            submit_options=SubmitOpts(parameters=["who=keelson"]),
        )
    )
    done = wait_for(svc.get_workflow, submitted.metadata.name)
    assert done.status.phase == "Succeeded", done.status
    print("hera: submitted from a template", done.metadata.name)

    # Lint.
    linted = svc.lint_workflow_template(
        req=__import__("hera.workflows.models", fromlist=["WorkflowTemplateLintRequest"]).WorkflowTemplateLintRequest(
            template=wt.build()
        )
    )
    assert linted.metadata.name == "hera-greet"
    print("hera: lint")

    # Retry a workflow that fails once.
    with Workflow(generate_name="hera-flaky-", entrypoint="main", namespace=NS, workflows_service=svc) as f:
        Container(
            name="main",
            image="alpine",
            command=["sh", "-c", f"if [ -f {MARK} ]; then echo fixed; else touch {MARK}; exit 1; fi"],
        )
    flaky = f.create(wait=True, poll_interval=1)
    assert flaky.status.phase == "Failed", flaky.status
    svc.retry_workflow(flaky.metadata.name, WorkflowRetryRequest(namespace=NS, name=flaky.metadata.name))
    retried = wait_for(svc.get_workflow, flaky.metadata.name, phases=("Succeeded",))
    print("hera: retried", retried.metadata.name, retried.status.phase)

    # Resubmit, then delete; a deleted workflow is NotFound.
    again = svc.resubmit_workflow(name, WorkflowResubmitRequest(namespace=NS, name=name))
    wait_for(svc.get_workflow, again.metadata.name)
    svc.delete_workflow(name)
    try:
        svc.get_workflow(name)
        raise AssertionError("a deleted workflow was found")
    except NotFound:
        pass
    print("hera: resubmitted and deleted")
    return done.metadata.name


def sdk_checks(greeted):
    import argo_workflows
    from argo_workflows.api import workflow_service_api
    from argo_workflows.exceptions import NotFoundException
    from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow import IoArgoprojWorkflowV1alpha1Workflow
    from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_create_request import (
        IoArgoprojWorkflowV1alpha1WorkflowCreateRequest,
    )

    config = argo_workflows.Configuration(host=URL)
    config.api_key["BearerToken"] = TOKEN
    config.api_key_prefix["BearerToken"] = "Bearer"
    client = argo_workflows.ApiClient(config)
    api = workflow_service_api.WorkflowServiceApi(client)

    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "sdk-", "labels": {"client": "sdk"}},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "container": {"image": "alpine", "command": ["sh", "-c", "echo one; echo two"]}}
            ],
        },
    }
    workflow = client.deserialize(
        type("R", (), {"data": json.dumps(manifest)})(), (IoArgoprojWorkflowV1alpha1Workflow,), True
    )
    created = api.create_workflow(
        namespace=NS,
        body=IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=workflow, _check_type=False),
    )
    name = created.metadata.name
    print("sdk: created", name)

    def get(n):
        return api.get_workflow(namespace=NS, name=n)

    done = wait_for(get, name)
    assert done.status.phase == "Succeeded", done.status
    # The SDK's strict models must read our answers: no null timestamps,
    # `items` never null.
    listed = api.list_workflows(namespace=NS, list_options_label_selector="client=sdk")
    assert [i.metadata.name for i in listed.items] == [name]
    empty = api.list_workflows(namespace=NS, list_options_label_selector="client=nobody")
    assert list(empty.items) == []
    print("sdk: get and list")

    # Logs: Argo's newline-delimited stream, read raw.
    response = api.workflow_logs(
        namespace=NS, name=name, log_options_container="main", _preload_content=False
    )
    lines = [json.loads(l)["result"]["content"] for l in response.data.decode().splitlines() if l.strip()]
    assert lines == ["one", "two"], lines
    response = api.workflow_logs(
        namespace=NS, name=greeted, log_options_container="main", _preload_content=False
    )
    text = response.data.decode()
    assert "hello keelson" in text, text
    print("sdk: logs", lines)

    api.delete_workflow(namespace=NS, name=name)
    try:
        get(name)
        raise AssertionError("a deleted workflow was found")
    except NotFoundException:
        pass
    print("sdk: deleted")


if __name__ == "__main__":
    greeted = hera_checks()
    sdk_checks(greeted)
    print("all client checks passed")
