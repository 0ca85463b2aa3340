"""infra/kubernetes: every manifest is valid Kubernetes, and says what issue 14 promises an operator."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate
import pytest
import yaml

from reciprocal.settings import REPO_ROOT

MANIFESTS = REPO_ROOT / "infra" / "kubernetes"
KUBERNETES = "1.37.0"
"""The newest schemas kubernetes-validate ships; it carries them in the package, so this runs offline."""

Doc = dict[str, Any]


def _documents() -> list[tuple[str, Doc]]:
    found = []
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                found.append((f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc))
    return found


DOCUMENTS = _documents()


def _one(kind: str, name: str) -> Doc:
    matches = [doc for _, doc in DOCUMENTS if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def _all(kind: str) -> list[Doc]:
    return [doc for _, doc in DOCUMENTS if doc["kind"] == kind]


WEB = _one("Deployment", "reciprocal-web")
WORKER = _one("Deployment", "reciprocal-worker")
MIGRATE = _one("Job", "reciprocal-migrate")
CONFIG = _one("ConfigMap", "reciprocal-config")["data"]
APP_WORKLOADS = {"web": WEB, "worker": WORKER, "migrate": MIGRATE}
WORKLOADS = [*_all("Deployment"), *_all("Job")]


def _pod(workload: Doc) -> Doc:
    spec: Doc = workload["spec"]["template"]["spec"]
    return spec


def _container(workload: Doc) -> Doc:
    containers: list[Doc] = _pod(workload)["containers"]
    assert len(containers) == 1, workload["metadata"]["name"]
    return containers[0]


def _labels(workload: Doc) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return labels


def _selects(selector: Doc, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and the In operator of matchExpressions) applied to a pod's labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In", "this test reads In only"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _secret_refs(workload: Doc) -> dict[str, tuple[str, str]]:
    """Each env var the container takes from a Secret: name -> (secret, key)."""
    refs = {}
    for var in _container(workload).get("env", []):
        ref = var.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            refs[var["name"]] = (ref["name"], ref["key"])
    return refs


def _secret_template(name: str) -> dict[str, str]:
    data: dict[str, str] = _one("Secret", name)["stringData"]
    return data


def _url_of(workload: Doc, variable: str) -> str:
    secret, key = _secret_refs(workload)[variable]
    return _secret_template(secret)[key]


def _quantity(value: str | int) -> float:
    """A Kubernetes quantity (250m, 1, 256Mi) as a number, to compare a request with its limit."""
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


@pytest.mark.parametrize(("where", "doc"), DOCUMENTS, ids=[where for where, _ in DOCUMENTS])
def test_every_manifest_is_valid_kubernetes(where: str, doc: Doc) -> None:
    # strict: a misspelt field (`request:` for `requests:`) is refused, where the API server would drop it.
    try:
        kubernetes_validate.validate(doc, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as error:
        # The schema itself is thousands of lines: say where the manifest is wrong and how, nothing more.
        at = ".".join(str(part) for part in error.path)
        pytest.fail(f"{where}: {at}: {error.message}", pytrace=False)


def test_the_manifests_are_the_ones_the_issue_asks_for() -> None:
    kinds = {(doc["apiVersion"], doc["kind"]) for _, doc in DOCUMENTS}
    for wanted in [
        ("apps/v1", "Deployment"),
        ("batch/v1", "Job"),
        ("autoscaling/v2", "HorizontalPodAutoscaler"),
        ("policy/v1", "PodDisruptionBudget"),
        ("networking.k8s.io/v1", "NetworkPolicy"),
        ("v1", "Secret"),
        ("v1", "ConfigMap"),
    ]:
        assert wanted in kinds
    assert all(doc["metadata"].get("namespace") == "reciprocal" for _, doc in DOCUMENTS if doc["kind"] != "Namespace")


def test_each_workload_runs_its_reciprocal_command() -> None:
    assert _container(WEB)["command"] == ["reciprocal", "serve"]
    assert _container(WORKER)["command"] == ["reciprocal", "worker"]
    assert _container(MIGRATE)["command"] == ["reciprocal", "migrate"]
    # One image for all three, so the migration that runs is the one the new pods expect.
    assert len({_container(workload)["image"] for workload in APP_WORKLOADS.values()}) == 1


def _port(container: Doc, port: str | int) -> int:
    if isinstance(port, int):
        return port
    return int(next(p["containerPort"] for p in container["ports"] if p["name"] == port))


def test_web_listens_on_8000_on_every_interface_and_is_probed_on_readyz_and_healthz() -> None:
    web = _container(WEB)
    assert CONFIG["HOST"] == "0.0.0.0"
    assert CONFIG["PORT"] == "8000"
    for probe, path in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")]:
        assert web[probe]["httpGet"]["path"] == path, probe
        assert _port(web, web[probe]["httpGet"]["port"]) == 8000, probe
    service = _one("Service", "reciprocal-web")
    assert _selects({"matchLabels": service["spec"]["selector"]}, _labels(WEB))
    assert _port(web, service["spec"]["ports"][0]["targetPort"]) == 8000


def test_the_worker_has_no_http_probe() -> None:
    worker = _container(WORKER)
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert "httpGet" not in worker.get(probe, {}), probe


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w["metadata"]["name"] for w in WORKLOADS])
def test_every_pod_runs_as_a_non_root_user_on_a_read_only_filesystem(workload: Doc) -> None:
    pod = _pod(workload)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["automountServiceAccountToken"] is False
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]


@pytest.mark.parametrize("workload", APP_WORKLOADS.values(), ids=APP_WORKLOADS.keys())
def test_the_app_runs_as_the_images_user_with_a_writable_tmp(workload: Doc) -> None:
    # uid 10001 is the Dockerfile's `reciprocal` user; spreadsheet exports are written to a temporary file.
    assert _pod(workload)["securityContext"]["runAsUser"] == 10001
    mounts = {mount["mountPath"]: mount["name"] for mount in _container(workload)["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in _pod(workload)["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w["metadata"]["name"] for w in WORKLOADS])
def test_every_container_asks_for_cpu_and_memory_and_is_held_to_a_limit(workload: Doc) -> None:
    for container in _pod(workload)["containers"]:
        resources = container["resources"]
        for resource in ("cpu", "memory"):
            request = _quantity(resources["requests"][resource])
            limit = _quantity(resources["limits"][resource])
            assert 0 < request <= limit, (container["name"], resource)


def test_the_web_autoscaler_and_disruption_budget_keep_web_pods_serving() -> None:
    hpa = _one("HorizontalPodAutoscaler", "reciprocal-web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "reciprocal-web"}
    assert hpa["spec"]["minReplicas"] >= 2
    # The HPA owns the count: a Deployment's own `replicas` would reset it at every apply.
    assert "replicas" not in WEB["spec"]
    pdb = _one("PodDisruptionBudget", "reciprocal-web")
    assert _selects(pdb["spec"]["selector"], _labels(WEB))
    assert not _selects(pdb["spec"]["selector"], _labels(WORKER))


def _policies_for(labels: dict[str, str]) -> list[Doc]:
    return [policy for policy in _all("NetworkPolicy") if _selects(policy["spec"]["podSelector"], labels)]


def test_network_policies_let_only_the_ingress_controller_reach_web_on_8000() -> None:
    default_deny = _one("NetworkPolicy", "default-deny")
    assert default_deny["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    web = _one("NetworkPolicy", "web")
    assert _selects(web["spec"]["podSelector"], _labels(WEB))
    ingress = [rule for policy in _policies_for(_labels(WEB)) for rule in policy["spec"].get("ingress", [])]
    assert ingress, "nothing may reach the web pods"
    for rule in ingress:
        assert [port["port"] for port in rule["ports"]] == [8000]
        assert all(set(peer) == {"namespaceSelector"} for peer in rule["from"]), "from the ingress namespace only"
    for workload in (WORKER, MIGRATE):
        reached = [rule for policy in _policies_for(_labels(workload)) for rule in policy["spec"].get("ingress", [])]
        assert reached == [], f"{workload['metadata']['name']} serves nothing"


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w["metadata"]["name"] for w in WORKLOADS])
def test_pods_reach_out_only_on_the_ports_the_app_needs(workload: Doc) -> None:
    # DNS, PgBouncer, PostgreSQL, the mail relay's submission port, identity providers over https.
    allowed = {53, 6432, 5432, 587, 443}
    policies = _policies_for(_labels(workload))
    assert any("Egress" in policy["spec"]["policyTypes"] for policy in policies)
    for policy in policies:
        for rule in policy["spec"].get("egress", []):
            assert rule.get("ports"), f"{policy['metadata']['name']}: an egress rule without ports allows every port"
            assert {port["port"] for port in rule["ports"]} <= allowed, policy["metadata"]["name"]


@pytest.mark.parametrize("workload", WORKLOADS, ids=[w["metadata"]["name"] for w in WORKLOADS])
def test_every_secret_a_pod_reads_is_in_the_secret_template(workload: Doc) -> None:
    for variable, (secret, key) in _secret_refs(workload).items():
        assert key in _secret_template(secret), f"{variable}: {secret} has no {key}"
    for volume in _pod(workload).get("volumes", []):
        if "secret" in volume:
            assert _one("Secret", volume["secret"]["secretName"])


def test_the_secret_templates_hold_placeholders_only() -> None:
    for secret in _all("Secret"):
        for key, value in secret["stringData"].items():
            assert value == "" or "CHANGE-ME" in value, f"{secret['metadata']['name']} {key} looks filled in"


def test_web_and_worker_go_through_pgbouncer_and_the_rest_straight_to_the_primary() -> None:
    assert CONFIG["DATABASE_POOL_MODE"] == "transaction"
    pgbouncer = _one("Service", "pgbouncer")
    pooled_port = pgbouncer["spec"]["ports"][0]["port"]
    for workload in (WEB, WORKER):
        pooled = urlsplit(_url_of(workload, "DATABASE_URL"))
        assert (pooled.hostname or "").startswith("pgbouncer."), "DATABASE_URL goes through PgBouncer"
        assert pooled.port == pooled_port == 6432
    assert "DATABASE_DIRECT_URL" in _secret_refs(WORKER), "the worker's queue listens on a direct connection"
    assert "DATABASE_OWNER_URL" in _secret_refs(MIGRATE)
    assert "DATABASE_URL" in _secret_refs(MIGRATE), "without it, migrate starts an embedded PostgreSQL"
    assert "DATABASE_OWNER_URL" not in _secret_refs(WEB) | _secret_refs(WORKER), "only the migration owns tables"
    for workload, variable in [(WORKER, "DATABASE_DIRECT_URL"), (MIGRATE, "DATABASE_OWNER_URL")]:
        direct = urlsplit(_url_of(workload, variable))
        assert direct.port == 5432, variable
        assert parse_qs(direct.query)["target_session_attrs"] == ["read-write"], variable


def _names_settings_reads() -> set[str]:
    source = (REPO_ROOT / "platform" / "reciprocal" / "settings.py").read_text()
    return set(re.findall(r"""(?:environ\.get|_int|_bool)\(\s*["']([A-Z_]+)["']""", source))


PYTHON_ITSELF = {"PYTHONDONTWRITEBYTECODE"}


def test_every_variable_set_is_one_the_app_reads() -> None:
    # A misspelt name (RECIPROCAL_BASEURL) is no error anywhere else: the app just never sees it.
    known = _names_settings_reads() | PYTHON_ITSELF
    assert "RECIPROCAL_SECRET_KEY" in known, "the pattern still finds what settings.py reads"
    set_here = set(CONFIG)
    for workload in APP_WORKLOADS.values():
        set_here |= {var["name"] for var in _container(workload).get("env", [])}
    assert set_here - known == set()


def test_the_pgbouncer_it_ships_pools_by_transaction() -> None:
    ini = _one("ConfigMap", "pgbouncer-config")["data"]["pgbouncer.ini"]
    settings = dict(re.findall(r"^(\w+)\s*=\s*(.*)$", ini, flags=re.MULTILINE))
    assert settings["pool_mode"] == "transaction"
    assert settings["listen_port"] == "6432"
    mounted = _container(_one("Deployment", "pgbouncer"))["volumeMounts"]
    assert any(Path(settings["auth_file"]).parent == Path(mount["mountPath"]) for mount in mounted)
