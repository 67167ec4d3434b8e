"""Helpers of the NAT instance tests: the rendered user data of a synthesized
launch template, and fake ``aws``/``curl``/``dnf``/``systemctl``/``sleep``
commands (put first on PATH) that answer from a JSON state file and record
every call, so that the real bootstrap script runs without AWS."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

#: Stand-ins for what CloudFormation resolves at deploy time.
FAKE_ENI_ID = "eni-0fixed0000000000"
FAKE_EIP = "198.51.100.20"
FAKE_REGION = "us-east-1"
FAKE_STACK = "nat-test-stack"
FAKE_INSTANCE_ID = "i-0new00000000000000"
FAKE_GROUP = "nat-test-group"


def resolve(value: Any, refs: dict[str, str]) -> str:
    """A string built of ``Fn::Base64``, ``Fn::Join`` and ``Ref`` (each Ref
    looked up in ``refs``; a missing one fails the test)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and set(value) == {"Fn::Base64"}:
        return resolve(value["Fn::Base64"], refs)
    if isinstance(value, dict) and set(value) == {"Fn::Join"}:
        sep, parts = value["Fn::Join"]
        return sep.join(resolve(p, refs) for p in parts)
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return refs[value["Ref"]]
    raise AssertionError(f"cannot resolve {value!r}")


def nat_resources(tpl: dict[str, Any]) -> dict[str, str]:
    """Logical ids of the (first) NAT instance's interface, Elastic IP,
    association, group and launch template."""
    res = tpl["Resources"]

    def first(type_: str) -> str:
        return sorted(k for k, v in res.items() if v["Type"] == type_)[0]

    return {"eni": first("AWS::EC2::NetworkInterface"), "eip": first("AWS::EC2::EIP"),
            "assoc": first("AWS::EC2::EIPAssociation"),
            "group": first("AWS::AutoScaling::AutoScalingGroup"),
            "lt": first("AWS::EC2::LaunchTemplate")}


def rendered_user_data(tpl: dict[str, Any], lt_lid: str, eni_lid: str, eip_lid: str) -> str:
    """The user data of launch template ``lt_lid`` as the instance receives it."""
    data = tpl["Resources"][lt_lid]["Properties"]["LaunchTemplateData"]["UserData"]
    return resolve(data, {eni_lid: FAKE_ENI_ID, eip_lid: FAKE_EIP,
                          "AWS::Region": FAKE_REGION, "AWS::StackName": FAKE_STACK})


def heredoc(script: str, path: str, delimiter: str) -> str:
    """The body of the quoted here-document that ``script`` writes to ``path``."""
    start = f"cat > {path} <<'{delimiter}'"
    i = script.index(start)
    body_start = script.index("\n", i) + 1
    end = script.index(f"\n{delimiter}\n", body_start)
    return script[body_start:end + 1]


_FAKE = r'''#!@PYTHON@
"""Fake @NAME@: records its arguments, answers from the state file."""
import json, os, sys
name = "@NAME@"
args = sys.argv[1:]
with open(os.environ["NAT_FAKE_LOG"], "a") as log:
    log.write(json.dumps([name] + args) + "\n")
path = os.environ["NAT_FAKE_STATE"]
with open(path) as f:
    st = json.load(f)
def opt(flag):
    return args[args.index(flag) + 1]
def save():
    with open(path, "w") as f:
        json.dump(st, f)
if name == "curl":
    if any(a.endswith("/api/token") for a in args):
        print("fake-imds-token")
    elif any(a.endswith("/meta-data/instance-id") for a in args):
        print(st["instance_id"])
    elif not st.get("probe_ok", True):
        sys.stderr.write("curl: (28) Connection timed out\n")
        sys.exit(28)
    sys.exit(0)
if name != "aws":
    sys.exit(0)  # dnf, systemctl, sleep: recorded only
op = " ".join(args[:2])
if op in st.get("fail", []):
    sys.stderr.write(f"An error occurred (UnauthorizedOperation) when calling {op}\n")
    sys.exit(254)
eni = st["eni"]
if op == "ec2 describe-network-interfaces":
    cols = [eni["status"], eni["holder"], eni["attachment"], eni["attachment_status"],
            eni["mac"], eni["source_dest_check"], eni["public_ip"]]
    print("\t".join("None" if c is None else str(c) for c in cols))
elif op == "ec2 attach-network-interface":
    assert opt("--device-index") == "1" and opt("--network-interface-id") == eni["id"]
    eni.update(status="in-use", holder=opt("--instance-id"), attachment="eni-attach-0new",
               attachment_status="attached")
    print(json.dumps({"AttachmentId": "eni-attach-0new"}))
elif op == "ec2 detach-network-interface":
    eni.update(status="available", holder=None, attachment=None, attachment_status=None)
elif op == "autoscaling describe-auto-scaling-instances":
    print(f"{st['group']}\t{st['lifecycle']}")
elif op == "autoscaling complete-lifecycle-action":
    st["lifecycle"] = ("InService" if opt("--lifecycle-action-result") == "CONTINUE"
                       else "Terminating")
save()
'''


def fake_state(*, mac: str, holder: str | None = None, public_ip: str | None = FAKE_EIP,
               fail: tuple[str, ...] = (), probe_ok: bool = True) -> dict[str, Any]:
    """The fake account: the fixed interface (held by ``holder`` or free)."""
    return {
        "instance_id": FAKE_INSTANCE_ID, "group": FAKE_GROUP, "lifecycle": "Pending:Wait",
        "fail": list(fail), "probe_ok": probe_ok,
        "eni": {"id": FAKE_ENI_ID, "mac": mac, "source_dest_check": False,
                "public_ip": public_ip,
                "status": "in-use" if holder else "available", "holder": holder,
                "attachment": "eni-attach-0old" if holder else None,
                "attachment_status": "attached" if holder else None},
    }


def write_fakes(bin_dir: Path) -> None:
    bin_dir.mkdir(parents=True, exist_ok=True)
    for name in ("aws", "curl", "dnf", "systemctl", "sleep"):
        p = bin_dir / name
        p.write_text(_FAKE.replace("@PYTHON@", sys.executable).replace("@NAME@", name))
        p.chmod(0o755)


def calls(log: Path) -> list[list[str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def run_user_data(script: str, work: Path, state: dict[str, Any], *,
                  netns: str | None = None, sandbox: bool = True,
                  timeout: float = 120) -> tuple[subprocess.CompletedProcess[str],
                                                 list[list[str]], dict[str, Any]]:
    """Run the rendered user data with the fakes first on PATH: in network
    namespace ``netns`` (if given) and, with ``sandbox``, in a private mount
    namespace with tmpfs over /etc/systemd and /usr/local/sbin (what it
    writes there is copied to ``work/out``). Returns the process, the calls
    the fakes recorded, and the final fake state."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "userdata.sh").write_text(script)
    (work / "state.json").write_text(json.dumps(state))
    log = work / "calls.jsonl"
    log.unlink(missing_ok=True)
    write_fakes(work / "bin")
    out = work / "out"
    out.mkdir(exist_ok=True)
    env = {
        "PATH": f"{work / 'bin'}:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
        "NAT_FAKE_STATE": str(work / "state.json"), "NAT_FAKE_LOG": str(log),
        "HOME": str(work), "LANG": "C.UTF-8",
    }
    cmd: list[str] = ["bash", str(work / "userdata.sh")]
    if sandbox:
        inner = ("mount -t tmpfs tmpfs /etc/systemd && mount -t tmpfs tmpfs /usr/local/sbin "
                 "&& { bash \"$0\"; rc=$?; cp -r /etc/systemd/. /usr/local/sbin/. \"$1\"/ "
                 "2>/dev/null; exit $rc; }")
        cmd = ["unshare", "--mount", "--propagation", "private", "sh", "-c", inner,
               str(work / "userdata.sh"), str(out)]
    if netns is not None:
        cmd = ["ip", "netns", "exec", netns] + cmd
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          check=False)
    final = json.loads((work / "state.json").read_text())
    return proc, calls(log), final


def aws_calls(recorded: list[list[str]], service_op: str) -> list[list[str]]:
    svc, op = service_op.split()
    return [c for c in recorded if c[:3] == ["aws", svc, op]]


def option(call: list[str], flag: str) -> str:
    return call[call.index(flag) + 1]


