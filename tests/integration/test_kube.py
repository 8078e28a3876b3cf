"""`c6 kube`: the Kubernetes manifests of a distributed run (src/dist/kube.c).

No cluster runs here: the YAML is parsed (python3-yaml) and every field the
objects need is checked against what Kubernetes wants (the API's field
names and kinds; names as its validation reads them: DNS-1123 labels for
namespaces, DNS-1035 labels for Services; a ConfigMap's values at most
1 MiB, pkg/apis/core/validation ValidateConfigMap against
core.MaxSecretSize) and against the c6 commands the pods run: `c6
coordinator [run's flags] file.tar --instances N --listen HOST:PORT --token
T` and `c6 agent HOST:PORT --token T`, as the distributed-run commands take
them. The archive in the ConfigMap is compared with what `c6 archive` makes
of the same script and flags.
"""
import base64
import io
import json
import os
import pathlib
import re
import socket
import subprocess
import tarfile
import threading
import time

import pytest
import yaml

from conftest import parse_logfmt

SCRIPTS = pathlib.Path(__file__).resolve().parent / "scripts" / "kube"
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
TOKEN_REF = "$(C6_DIST_TOKEN)"


def c6(c6_bin, *args, cwd=SCRIPTS, env=None, timeout=60):
    penv = {k: v for k, v in os.environ.items() if not k.startswith(("K6_", "C6_DIST"))}
    penv["K6_ADDRESS"] = ""
    penv.update(env or {})
    return subprocess.run([c6_bin, *map(str, args)], cwd=str(cwd), env=penv, capture_output=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def messages(stderr):
    """The msg of each log line on stderr."""
    return "\n".join(parse_logfmt(line).get("msg", line) for line in stderr.decode().splitlines())


def kube(c6_bin, *args, **kw):
    """Runs c6 kube; its manifests by kind (Jobs by their component)."""
    r = c6(c6_bin, "kube", *args, **kw)
    assert r.returncode == 0, r.stderr.decode()
    docs = [d for d in yaml.safe_load_all(r.stdout.decode("utf-8")) if d is not None]
    objs = {}
    for d in docs:
        key = d["kind"]
        if key == "Job":
            key = "Job/" + d["metadata"]["labels"]["app.kubernetes.io/component"]
        assert key not in objs, key
        objs[key] = d
    return objs, r


def container(job, name=None):
    cs = job["spec"]["template"]["spec"]["containers"]
    assert len(cs) == 1
    if name:
        assert cs[0]["name"] == name
    return cs[0]


def tar_members(data):
    """name -> (type, link target, content) of an archive."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as t:
        for m in t.getmembers():
            f = t.extractfile(m) if m.isfile() else None
            out[m.name] = (m.type, m.linkname, f.read() if f else None)
    return out


def check_meta(obj, kind, api, name, ns, component, instance):
    assert obj["apiVersion"] == api and obj["kind"] == kind
    md = obj["metadata"]
    assert md["name"] == name and md["namespace"] == ns
    assert DNS1123_LABEL.match(md["name"]) and len(md["name"]) <= 63, md["name"]
    assert DNS1123_LABEL.match(md["namespace"])
    assert md["labels"] == {"app.kubernetes.io/name": "c6", "app.kubernetes.io/instance": instance,
                            "app.kubernetes.io/component": component}


def env_refs(cont):
    """The container's variables that come from Secrets: name -> (secret, key)."""
    return {e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
            for e in cont.get("env", []) if "valueFrom" in e}


FLAGS = ["-u", "3", "--tag", "env=ci", "-e", "WHO=kube", "--summary-trend-stats", "avg,p(95)"]


def test_manifests(c6_bin, tmp_path):
    """Every object, field by field, for a script with a module and an
    open()ed file, run's flags, and each of c6 kube's flags."""
    objs, r = kube(c6_bin, "main.js", "--instances", "4", "--namespace", "load-tests", "--name", "smoke",
                   "--image", "registry.example/c6:0.1", "--token", "s3cret", "--listen", "0.0.0.0:7000",
                   "--cpu", "2", "--memory", "1Gi", "--cpu-limit", "3", "--memory-limit", "2Gi", *FLAGS)
    assert set(objs) == {"Secret", "ConfigMap", "Service", "Job/coordinator", "Job/agent"}
    ns, inst = "load-tests", "smoke"
    sec, cm, svc = objs["Secret"], objs["ConfigMap"], objs["Service"]
    cj, aj = objs["Job/coordinator"], objs["Job/agent"]
    check_meta(sec, "Secret", "v1", "smoke-token", ns, "token", inst)
    check_meta(cm, "ConfigMap", "v1", "smoke-archive", ns, "archive", inst)
    check_meta(svc, "Service", "v1", "smoke-coordinator", ns, "coordinator", inst)
    check_meta(cj, "Job", "batch/v1", "smoke-coordinator", ns, "coordinator", inst)
    check_meta(aj, "Job", "batch/v1", "smoke-agents", ns, "agent", inst)
    assert DNS1035_LABEL.match(svc["metadata"]["name"])   # a Service's name is a DNS-1035 label

    # the token: base64 in data, as the API wants it
    assert sec["type"] == "Opaque"
    assert base64.b64decode(sec["data"]["token"], validate=True) == b"s3cret"

    # the coordinator: one pod, never retried, its exit code the Job's result
    spec = cj["spec"]
    assert spec["completions"] == 1 and spec["parallelism"] == 1 and spec["backoffLimit"] == 0
    assert "completionMode" not in spec
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False   # no SMOKE_COORDINATOR_PORT... in the script's __ENV
    coord = container(cj, "coordinator")
    assert coord["image"] == "registry.example/c6:0.1"
    archive_path = coord["command"][coord["command"].index("--instances") - 1]
    # run's flags go to the coordinator, except what the archive holds (-e's variables)
    assert coord["command"] == ["c6", "coordinator", "-u", "3", "--tag", "env=ci", "--summary-trend-stats",
                                "avg,p(95)", archive_path, "--instances", "4", "--listen", "0.0.0.0:7000",
                                "--token", TOKEN_REF]
    assert env_refs(coord) == {"C6_DIST_TOKEN": ("smoke-token", "token")}
    assert coord["ports"] == [{"name": "agents", "containerPort": 7000, "protocol": "TCP"}]
    assert coord["readinessProbe"]["tcpSocket"]["port"] == 7000
    assert coord["resources"] == {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "3", "memory": "2Gi"}}
    assert coord["securityContext"]["allowPrivilegeEscalation"] is False
    # the archive: the ConfigMap mounted where the command reads it
    (mount,) = coord["volumeMounts"]
    (vol,) = pod["volumes"]
    assert mount["name"] == vol["name"] and mount["readOnly"] is True
    assert vol["configMap"]["name"] == "smoke-archive"
    assert archive_path == mount["mountPath"] + "/" + next(iter(cm["binaryData"]))
    assert cm["immutable"] is True and "data" not in cm

    # the Service: ClusterIP on the coordinator's port, selecting its pod only
    assert svc["spec"]["type"] == "ClusterIP"
    (port,) = svc["spec"]["ports"]
    assert port["port"] == 7000 and port["targetPort"] == 7000 and port["protocol"] == "TCP"
    sel = svc["spec"]["selector"]
    coord_labels = spec["template"]["metadata"]["labels"]
    agent_labels = aj["spec"]["template"]["metadata"]["labels"]
    assert sel.items() <= coord_labels.items()
    assert not sel.items() <= agent_labels.items()

    # the agents: Indexed, all N at once, none retried
    aspec = aj["spec"]
    assert aspec["completionMode"] == "Indexed"
    assert aspec["parallelism"] == aspec["completions"] == 4
    assert aspec["backoffLimit"] == 0
    apod = aspec["template"]["spec"]
    assert apod["restartPolicy"] == "Never"
    assert apod["enableServiceLinks"] is False and apod["automountServiceAccountToken"] is False
    agent = container(aj, "agent")
    assert agent["image"] == "registry.example/c6:0.1"
    addr = f"{svc['metadata']['name']}:{port['port']}"
    assert agent["command"] == ["c6", "agent", addr, "--token", TOKEN_REF]
    assert env_refs(agent) == {"C6_DIST_TOKEN": (sec["metadata"]["name"], "token")}
    assert agent["resources"] == coord["resources"]
    # ... each waiting for the coordinator's port first
    (init,) = apod["initContainers"]
    assert init["image"] == agent["image"]
    assert init["command"][:4] == ["c6", "kube", "--wait-for", addr]
    spread = apod["topologySpreadConstraints"][0]
    assert spread["labelSelector"]["matchLabels"].items() <= agent_labels.items()
    assert spread["whenUnsatisfiable"] == "ScheduleAnyway"

    # the archive decodes to the tar `c6 archive` makes of the same script and flags
    data = base64.b64decode(cm["binaryData"]["archive.tar"], validate=True)
    assert len(data) <= 1048576
    ref = tmp_path / "ref.tar"
    a = c6(c6_bin, "archive", "-O", ref, "main.js", *FLAGS)
    assert a.returncode == 0, a.stderr.decode()
    got, want = tar_members(data), tar_members(ref.read_bytes())
    assert got == want
    names = set(got)
    assert "metadata.json" in names and "data" in names
    assert any(n.endswith("/kube/lib/greet.js") for n in names)
    assert any(n.endswith("/kube/data/words.txt") for n in names)
    meta = json.loads(got["metadata.json"][2])
    assert meta["env"] == {"WHO": "kube"}
    assert meta["options"]["vus"] == 3
    # and c6 reads it back: the options of the test, from the archive alone
    arc = tmp_path / "from-configmap.tar"
    arc.write_bytes(data)
    ins = c6(c6_bin, "inspect", arc, cwd=tmp_path)
    assert ins.returncode == 0, ins.stderr.decode()
    opts = json.loads(ins.stdout)
    assert opts["scenarios"]["default"]["vus"] == 3
    assert opts["summaryTrendStats"] == ["avg", "p(95)"]


def test_defaults_and_generated_token(c6_bin):
    """Without c6 kube's optional flags: namespace "default", image
    c6:latest, the name from the script's file name, port 6566, no
    resources, a fresh 256-bit token each time."""
    objs, _ = kube(c6_bin, "main.js", "--instances", "1")
    objs2, _ = kube(c6_bin, "main.js", "--instances", "1")
    for o in objs.values():
        assert o["metadata"]["namespace"] == "default"
        assert o["metadata"]["name"].startswith("main-")
    coord, agent = container(objs["Job/coordinator"]), container(objs["Job/agent"])
    assert coord["image"] == agent["image"] == "c6:latest"
    assert "resources" not in coord and "resources" not in agent
    assert coord["command"] == ["c6", "coordinator", "/c6/archive.tar", "--instances", "1",
                                "--listen", "0.0.0.0:6566", "--token", TOKEN_REF]
    assert agent["command"][2] == "main-coordinator:6566"
    assert objs["Job/agent"]["spec"]["parallelism"] == objs["Job/agent"]["spec"]["completions"] == 1
    t1 = base64.b64decode(objs["Secret"]["data"]["token"]).decode()
    t2 = base64.b64decode(objs2["Secret"]["data"]["token"]).decode()
    assert re.fullmatch(r"[0-9a-f]{64}", t1) and re.fullmatch(r"[0-9a-f]{64}", t2)
    assert t1 != t2


@pytest.mark.parametrize("file,name", [("My_Test.v2.js", "my-test"), ("123-load test.js", "load-test"),
                                       ("42.js", "c6"), ("UPPER.js", "upper"), ("x" * 80 + ".js", "x" * 51),
                                       ("a" * 50 + "_b.js", "a" * 50)])
def test_default_name_is_a_dns_label(c6_bin, tmp_path, file, name):
    """The default name: the file name made a DNS-1035 label (lower case,
    from its first letter, other characters as '-'), else "c6"."""
    (tmp_path / file).write_text("export default function () {}\n")
    objs, _ = kube(c6_bin, file, "--instances", "2", cwd=tmp_path)
    assert objs["Service"]["metadata"]["name"] == name + "-coordinator"
    assert objs["Job/agent"]["metadata"]["name"] == name + "-agents"


def test_longest_name(c6_bin):
    """51 characters: NAME-coordinator is then a 63-character Service name,
    the longest DNS label; the agents' pods' hostnames NAME-agents-IDX fit."""
    objs, _ = kube(c6_bin, "main.js", "--instances", "64", "--name", "n" * 51)
    assert len(objs["Service"]["metadata"]["name"]) == 63
    assert len(objs["Job/agent"]["metadata"]["name"]) + len("-63") <= 63
    assert objs["Job/agent"]["spec"]["completions"] == 64


def test_values_survive_yaml(c6_bin):
    """Strings YAML would read as something else, or that would break the
    document, come back as written: the emitter quotes every value; and a
    $(VAR) in a flag stays literal in the pod ($ doubled, as Kubernetes
    expands $(VAR) in commands and reads $$ as $)."""
    odd = ["yes", "null", "1.5", "- item", "{a: b}", "#x", "a: b", 'q"uote', "back\\slash", "tab\there",
           "new\nline", "\x7f\x01", "é ü 中", "line\u2028sep", "\u0085", "x=$(C6_DIST_TOKEN)", "$$", "~", "@x", "*a"]
    args = []
    for v in odd:
        args += ["--user-agent", v]
        args += ["--tag", "t=" + v]
    objs, _ = kube(c6_bin, "main.js", "--instances", "2", *args)
    cmd = container(objs["Job/coordinator"])["command"]
    # every value came back as the same string; every $ doubled
    want = []
    for v in odd:
        want += ["--user-agent", v.replace("$", "$$"), "--tag", "t=" + v.replace("$", "$$")]
    assert cmd[2:2 + len(want)] == want
    assert all(isinstance(c, str) for c in cmd)


def test_archive_flags_stay_out_of_the_coordinator(c6_bin):
    """-e, -c and -t give what the archive holds already (the config file
    is not in the pod); grouped short flags keep their other letters."""
    objs, _ = kube(c6_bin, "main.js", "--instances", "2", "-qe", "A=1", "--env=B=2", "-c",
                   "../config_iters2.json", "-t", "js", "--exclude-env-vars", "-vu2")
    assert container(objs["Job/coordinator"])["command"][2:5] == ["-q", "-vu2", "/c6/archive.tar"]
    data = base64.b64decode(objs["ConfigMap"]["binaryData"]["archive.tar"])
    meta = json.loads(tar_members(data)["metadata.json"][2])
    assert not meta["env"]   # --exclude-env-vars, as c6 archive
    assert meta["options"]["vus"] == 2


def test_log_flags_go_to_the_pods_only(c6_bin, tmp_path):
    """--log-output and --console-output are the coordinator's: the archive
    step keeps logging on stderr, so the YAML on stdout stays YAML even
    with --log-output=stdout and a script that logs at init."""
    script = tmp_path / "noisy.js"
    script.write_text("console.log('init says hi');\nexport default function () {}\n")
    objs, r = kube(c6_bin, script, "--instances", "2", "--log-output=stdout", "--console-output", "c.log",
                   cwd=tmp_path)
    assert b"init says hi" in r.stderr and b"init says hi" not in r.stdout
    assert container(objs["Job/coordinator"])["command"][2:5] == ["--log-output=stdout", "--console-output",
                                                                 "c.log"]
    assert not (tmp_path / "c.log").exists()


def test_archive_as_input(c6_bin, tmp_path):
    """An archive given to c6 kube goes into the ConfigMap as c6 archive
    re-archives it; the name comes from the tar's file name."""
    tar = tmp_path / "Nightly.tar"
    a = c6(c6_bin, "archive", "-O", tar, "main.js", "-u", "4")
    assert a.returncode == 0, a.stderr.decode()
    objs, _ = kube(c6_bin, tar, "--instances", "3", cwd=tmp_path)
    assert objs["Job/coordinator"]["metadata"]["name"] == "nightly-coordinator"
    data = base64.b64decode(objs["ConfigMap"]["binaryData"]["archive.tar"])
    assert json.loads(tar_members(data)["metadata.json"][2])["options"]["vus"] == 4


def big_blob(tmp_path, size):
    p = tmp_path / "blob.bin"
    p.write_bytes(os.urandom(size))
    return p


def test_archive_too_large_for_a_configmap(c6_bin, tmp_path):
    """Over 1 MiB (Kubernetes' ConfigMap limit, decoded bytes): an error
    that says what to do, nothing on stdout; with --archive-claim the
    coordinator reads it from the claim, with --archive-file from its
    image, and there is no ConfigMap."""
    blob = big_blob(tmp_path, 1100 * 1024)
    r = c6(c6_bin, "kube", "big.js", "--instances", "2", "-e", f"BIG_FILE={blob}")
    assert r.returncode == 255
    assert r.stdout == b""
    err = messages(r.stderr)
    assert "more than a ConfigMap holds (1048576 bytes)" in err and "--archive-claim" in err, err

    objs, _ = kube(c6_bin, "big.js", "--instances", "2", "-e", f"BIG_FILE={blob}", "--archive-claim", "tests.data")
    assert "ConfigMap" not in objs
    coord = container(objs["Job/coordinator"])
    (vol,) = objs["Job/coordinator"]["spec"]["template"]["spec"]["volumes"]
    assert vol["persistentVolumeClaim"] == {"claimName": "tests.data", "readOnly": True}
    assert coord["volumeMounts"][0]["name"] == vol["name"]
    assert coord["command"][2] == coord["volumeMounts"][0]["mountPath"] + "/archive.tar"

    objs, _ = kube(c6_bin, "big.js", "--instances", "2", "-e", f"BIG_FILE={blob}", "--archive-file",
                   "/test/big.tar")
    assert "ConfigMap" not in objs
    coord = container(objs["Job/coordinator"])
    assert coord["command"][2] == "/test/big.tar"
    assert "volumeMounts" not in coord
    assert "volumes" not in objs["Job/coordinator"]["spec"]["template"]["spec"]


def test_large_configmap_warns_about_kubectl_apply(c6_bin, tmp_path):
    """Between kubectl apply's 256 KiB annotation (client-side apply copies
    the object there) and 1 MiB: the manifests, and a warning to use
    kubectl create or server-side apply."""
    blob = big_blob(tmp_path, 300 * 1024)
    objs, r = kube(c6_bin, "big.js", "--instances", "2", "-e", f"BIG_FILE={blob}")
    assert "ConfigMap" in objs
    assert "kubectl create -f" in messages(r.stderr)
    small, r2 = kube(c6_bin, "main.js", "--instances", "2")
    assert "kubectl create" not in r2.stderr.decode()


@pytest.mark.parametrize("args,message", [
    (["--instances", "0"], 'invalid argument "0" for "--instances" flag: want 1 to 64'),
    (["--instances", "-2"], 'invalid argument "-2" for "--instances" flag: want 1 to 64'),
    (["--instances", "65"], 'invalid argument "65" for "--instances" flag: want 1 to 64'),
    (["--instances", "four"], 'invalid argument "four" for "--instances" flag'),
    ([], "--instances N is required"),
    (["--instances"], "flag needs an argument: --instances"),
    (["--instances", "2", "--name", "Smoke"], 'invalid argument "Smoke" for "--name" flag: a DNS-1035 label'),
    (["--instances", "2", "--name", "1st"], 'invalid argument "1st" for "--name" flag'),
    (["--instances", "2", "--name", "a_b"], 'invalid argument "a_b" for "--name" flag'),
    (["--instances", "2", "--name", "end-"], 'invalid argument "end-" for "--name" flag'),
    (["--instances", "2", "--name", "a" * 52], "at most 51"),
    (["--instances", "2", "--namespace", "Load"], 'for "--namespace" flag: a lowercase RFC 1123 label'),
    (["--instances", "2", "--namespace", "a.b"], 'for "--namespace" flag'),
    (["--instances", "2", "--namespace", "x" * 64], 'for "--namespace" flag'),
    (["--instances", "2", "--listen", "6566"], 'for "--listen" flag: want HOST:PORT'),
    (["--instances", "2", "--listen", "0.0.0.0:0"], 'for "--listen" flag'),
    (["--instances", "2", "--listen", "0.0.0.0:70000"], 'for "--listen" flag'),
    (["--instances", "2", "--image", ""], 'for "--image" flag'),
    (["--instances", "2", "--image", "c6 latest"], 'for "--image" flag'),
    (["--instances", "2", "--token", ""], 'for "--token" flag'),
    (["--instances", "2", "--cpu", "two"], 'invalid argument "two" for "--cpu" flag: not a Kubernetes quantity'),
    (["--instances", "2", "--memory", "-1Gi"], 'for "--memory" flag'),
    (["--instances", "2", "--memory", "1GB"], 'for "--memory" flag'),
    (["--instances", "2", "--cpu", "0"], 'for "--cpu" flag'),
    (["--instances", "2", "--cpu", "2", "--cpu-limit", "1500m"], 'for "--cpu" flag: more than --cpu-limit'),
    (["--instances", "2", "--memory", "2Gi", "--memory-limit", "1G"], "more than --memory-limit"),
    (["--instances", "2", "--archive-file", "rel.tar"], 'for "--archive-file" flag: an absolute path'),
    (["--instances", "2", "--archive-claim", "Bad_Claim"], 'for "--archive-claim" flag'),
    (["--instances", "2", "-O", "x.tar"], "-O/--archive-out is c6 archive's"),
    (["--instances", "2", "--paused"], "--paused and --linger are not supported by the coordinator"),
    (["--instances", "2", "--linger"], "--paused and --linger are not supported by the coordinator"),
    (["--instances", "2", "--execution-segment", "0:1/2"], "are the coordinator's to set"),
    (["--instances", "2", "--no-such-flag"], "unknown flag: --no-such-flag"),
    (["--instances", "2", "-u", "x"], 'invalid argument "x" for "-u, --vus" flag'),
])
def test_bad_input(c6_bin, args, message):
    """Each refused with a clear message, exit 255 (a command-line error, as
    run's flags), and no manifests on stdout."""
    r = c6(c6_bin, "kube", "main.js", *args)
    assert r.returncode == 255, (args, r.stderr.decode())
    assert r.stdout == b""
    assert message in messages(r.stderr), r.stderr.decode()


def test_bad_script_no_manifests(c6_bin):
    """A script whose init code throws: run's exit code (107, k6's
    ScriptException) and nothing on stdout; a missing script: k6's text."""
    r = c6(c6_bin, "kube", "broken.js", "--instances", "2")
    assert r.returncode == 107, r.stderr.decode()
    assert r.stdout == b"" and b"broken on purpose" in r.stderr
    r = c6(c6_bin, "kube", "nope.js", "--instances", "2")
    assert r.returncode == 107 and r.stdout == b""
    assert b"couldn't be found on local disk" in r.stderr
    r = c6(c6_bin, "kube", "--instances", "2")
    assert r.returncode == 255 and r.stdout == b"" and b"accepts 1 arg(s), received 0" in r.stderr


@pytest.mark.parametrize("flag", ["--help", "-h", "-qh"])
def test_help(c6_bin, flag):
    r = c6(c6_bin, "kube", "main.js", flag)
    assert r.returncode == 0, r.stderr.decode()
    out = r.stdout.decode()
    assert out.startswith("usage: c6 kube") and "--instances N" in out and "--wait-for" in out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_wait_for_port(c6_bin):
    """The agents' init step: retries until the port accepts a connection
    (here it opens 1.5 s in), then exits 0."""
    port = free_port()
    accepted = []

    def serve():
        time.sleep(1.5)
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen(1)
            s.settimeout(10)
            try:
                conn, _ = s.accept()
                accepted.append(conn.recv(16))   # closed without a byte: the coordinator drops it
                conn.close()
            except OSError:
                pass

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    start = time.monotonic()
    r = c6(c6_bin, "kube", "--wait-for", f"127.0.0.1:{port}", "--wait-timeout", "20", timeout=30)
    took = time.monotonic() - start
    t.join(10)
    assert r.returncode == 0, r.stderr.decode()
    assert 1.4 < took < 10, took
    assert accepted == [b""]
    assert b"accepts connections" in r.stderr


def test_wait_for_gives_up(c6_bin):
    """Nothing listening: exit 1 after --wait-timeout, naming the address
    and the last reason; a bad address is a flag error (255)."""
    port = free_port()
    start = time.monotonic()
    r = c6(c6_bin, "kube", "--wait-for", f"127.0.0.1:{port}", "--wait-timeout", "2", timeout=30)
    took = time.monotonic() - start
    assert r.returncode == 1
    assert 1.9 < took < 8, took
    err = messages(r.stderr)
    assert f"127.0.0.1:{port} did not accept a connection within 2 s" in err and "Connection refused" in err
    for bad in (["--wait-for", "nohost"], ["--wait-for", "h:0"], ["--wait-for", "h:1", "--wait-timeout", "0"]):
        r = c6(c6_bin, "kube", *bad, timeout=30)
        assert r.returncode == 255 and b"invalid argument" in r.stderr, bad
