#!/usr/bin/env python3
"""Synthesis benchmark: BestPracticeVpc (A) against the same network in plain ec2.Vpc (B).

Every measured run is a fresh child Python process (this script re-run with
``--child``), so interpreter start-up, the jsii kernel's Node.js start-up and
the loading of aws-cdk-lib are part of each number, and memory is per run.
Runs alternate A, B, A, B ... so that drift (thermal, page cache, noisy
neighbours) hits both scenarios alike.

Measured per run
  synth s   wall time from just before the parent spawns the child to the end
            of ``app.synth()`` in the child (CLOCK_MONOTONIC is system-wide on
            Linux, so the two processes' readings compare directly).
  total s   wall time from spawn until the parent has reaped the child (adds
            the jsii kernel shutdown and interpreter exit).
  peak MB   peak RSS of the child's process tree: the child Python process,
            jsii's ``node jsii-runtime.js`` wrapper and the ``node`` kernel
            process the wrapper starts (grandchild and great-grandchild of this
            script). A thread of the parent polls /proc every 10 ms and keeps
            the largest sum of the tree's current RSS (from /proc/<pid>/statm).
            It is a lower bound of the true simultaneous peak (a spike shorter
            than 10 ms can be missed); RSS counts pages shared by the two node
            processes twice, the same way for A and B.
  Cross-checks (under "memory detail"):
  wait4     ``ru_maxrss`` from ``os.wait4`` on the child (per-child, unlike
            ``getrusage(RUSAGE_CHILDREN)`` which is the max over every child
            reaped so far). The kernel folds the child's reaped descendants in
            (jsii's atexit hook reaps node before the child exits), but as a
            MAX, not a sum: it is the peak of the largest single process of
            the tree -- here the node kernel.
  HWM sum   right after ``app.synth()`` (node still alive), the child sums the
            kernel high-water marks (VmHWM) of itself and every descendant.
            This would be an upper bound, but V8 gives memory back in ways that
            do not always update the high-water mark (polled RSS of the node
            kernel was seen above its VmHWM), so it can read lower than the
            polled peak. wait4's ru_maxrss has the same blind spot.

Usage:  .venv/bin/python bench/bench_synth.py [--repeat N] [--check] [--json FILE]
Exit status: 0 (a measurement, not a test); with --check, 1 when an A/B ratio
exceeds the target; 2 when a run fails or builds the wrong network.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_BIN = ROOT / "node_modules" / ".bin"
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"

SCENARIOS = {
    "A": "BestPracticeVpc (defaults)",
    "B": "ec2.Vpc equivalent",
    "C": "ec2.Vpc equivalent + the same per-tier network ACLs (ec2.NetworkAcl)",
}
#: The comparisons printed: A against the network issue 2 defined (B), and
#: against B plus the per-tier ACLs BestPracticeVpc has by default since the
#: security-layers issue (C), so that the defaults are compared like for like.
COMPARISONS = (("A", "B"), ("A", "C"))
DEFAULT_SIZES = (1, 20)
TARGET_RATIO = 1.5
SAMPLE_INTERVAL_S = 0.010
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

# What both scenarios must synthesize, per stack.
EXPECTED_PER_STACK = {
    "azs": 3,
    "AWS::EC2::NatGateway": 3,
    "AWS::EC2::Subnet": 9,
    "AWS::EC2::VPCEndpoint": 2,
    "AWS::EC2::FlowLog": 1,
    "AWS::KMS::Key": 1,
}


# =============================================================== child side
def _descendants(pid: int) -> list[int]:
    """All live descendants of ``pid`` (children files of every thread, or a
    scan of /proc when the kernel lacks CONFIG_PROC_CHILDREN)."""
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        kids: list[int] = []
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids.extend(int(x) for x in f.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{p}/task"):
                continue  # p is gone
            kids = _children_by_scan(p)
        except (ProcessLookupError, PermissionError):
            continue
        out.extend(kids)
        todo.extend(kids)
    return out


def _children_by_scan(pid: int) -> list[int]:
    kids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # field 4 (ppid) comes after the ")" closing the command name
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(name))
    return kids


def _status_kb(pid: int, field: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _comm(pid: int) -> str:
    """Executable name and, for node, the script (node renames its thread)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return "?"
    if not argv:
        return "?"
    name = os.path.basename(argv[0])
    scripts = [os.path.basename(a) for a in argv[1:] if a.endswith(".js")]
    return f"{name}({scripts[0]})" if scripts else name


def _load_feature_flags() -> dict:
    """The app's feature flags (cdk.json context), the same for A and B; the
    reference app's environment list is left out (neither scenario reads it)."""
    ctx = json.loads((ROOT / "cdk.json").read_text())["context"]
    return {k: v for k, v in ctx.items() if k.startswith("@aws-cdk/")}


def _build_a(stack) -> None:
    from vpc_patterns import BestPracticeVpc

    BestPracticeVpc(stack, "Network")


def _build_b(stack) -> None:
    from aws_cdk import Aws, Fn
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_iam as iam
    from aws_cdk import aws_kms as kms
    from aws_cdk import aws_logs as logs

    vpc = ec2.Vpc(
        stack, "Vpc",
        ip_addresses=ec2.IpAddresses.cidr("10.0.0.0/16"),
        # max_azs=3 gives only 2 AZs in an env-agnostic stack; ec2.Vpc takes
        # tokens here (and refuses max_azs together with availability_zones),
        # so this is "3 AZs, env-agnostic", exactly what BestPracticeVpc emits.
        availability_zones=[Fn.select(i, Fn.get_azs()) for i in range(3)],
        subnet_configuration=[
            ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24),
            ec2.SubnetConfiguration(
                name="private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=20),
            ec2.SubnetConfiguration(
                name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=22),
        ],
        nat_gateways=3,
        gateway_endpoints={
            "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
            "DynamoDB": ec2.GatewayVpcEndpointOptions(
                service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
        },
        restrict_default_security_group=True,
    )
    key = kms.Key(stack, "FlowLogKey", enable_key_rotation=True)
    # CloudWatch Logs must be allowed to use the key for the encrypted group.
    log_groups = f"arn:{Aws.PARTITION}:logs:{Aws.REGION}:{Aws.ACCOUNT_ID}:log-group:*"
    key.add_to_resource_policy(iam.PolicyStatement(
        principals=[iam.ServicePrincipal(f"logs.{Aws.REGION}.amazonaws.com")],
        actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                 "kms:GenerateDataKey*", "kms:Describe*"],
        resources=["*"],
        conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
    ))
    group = logs.LogGroup(stack, "FlowLogGroup", encryption_key=key,
                          retention=logs.RetentionDays.ONE_YEAR)
    vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(group),
                     traffic_type=ec2.FlowLogTrafficType.ALL)


def _build_c(stack) -> None:
    """B plus one ec2.NetworkAcl per tier holding the same entries as the
    library's default ACLs (the rule list is taken from vpc_patterns' pure
    plan as data; the resources are written with plain ec2 L2 calls). The
    CIDRs in the rules follow the library's layout, not B's: this scenario
    measures the cost of the same resources, not their meaning."""
    from aws_cdk import aws_ec2 as ec2

    from vpc_patterns.plan.nacl import plan_acls
    from vpc_patterns.plan.network import plan_network

    _build_b(stack)
    vpc = stack.node.find_child("Vpc")
    traffic = {
        "tcp": lambda p: ec2.AclTraffic.tcp_port_range(*p),
        "udp": lambda p: ec2.AclTraffic.udp_port_range(*p),
        "icmp": lambda p: ec2.AclTraffic.icmp(code=-1, type=-1),
        "all": lambda p: ec2.AclTraffic.all_traffic(),
    }
    for acl in plan_acls(plan_network()).acls:
        nacl = ec2.NetworkAcl(stack, f"{acl.tier}Acl", vpc=vpc,
                              subnet_selection=ec2.SubnetSelection(subnet_group_name=acl.tier))
        for r in acl.rules:
            nacl.add_entry(
                f"{'Egress' if r.egress else 'Ingress'}{r.number}",
                cidr=ec2.AclCidr.ipv4(r.cidr), rule_number=r.number,
                traffic=traffic[r.protocol.value](r.ports),
                direction=ec2.TrafficDirection.EGRESS if r.egress else ec2.TrafficDirection.INGRESS,
                rule_action=ec2.Action.ALLOW if r.action.value == "allow" else ec2.Action.DENY,
            )


def child_main(scenario: str, stacks: int, outdir: str, result_file: str) -> None:
    t_start = time.monotonic()
    from aws_cdk import App, Stack

    t_imported = time.monotonic()
    build = {"A": _build_a, "B": _build_b, "C": _build_c}[scenario]
    app = App(outdir=outdir, context=_load_feature_flags())
    for i in range(stacks):
        build(Stack(app, f"Bench{scenario}{i:02d}"))
    t_built = time.monotonic()
    app.synth()
    t_synth = time.monotonic()

    # Memory, while the jsii kernel (node) is still alive.
    me = os.getpid()
    procs = [{"pid": me, "comm": _comm(me), "hwm_kb": _status_kb(me, "VmHWM")}]
    for pid in _descendants(me):
        procs.append({"pid": pid, "comm": _comm(pid), "hwm_kb": _status_kb(pid, "VmHWM")})
    Path(result_file).write_text(json.dumps({
        "t_start": t_start, "t_imported": t_imported, "t_built": t_built, "t_synth": t_synth,
        "procs": procs,
    }))


# ============================================================== parent side
class TreeSampler(threading.Thread):
    """Polls the summed current RSS of a process tree; keeps the maximum."""

    #: re-list the tree every this many samples (its processes are long-lived)
    RESCAN_EVERY = 5

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kb = 0
        self.samples = 0
        self.stop_event = threading.Event()

    def _rss_kb(self, pid: int) -> int:
        try:
            with open(f"/proc/{pid}/statm") as f:
                return int(f.read().split()[1]) * PAGE_SIZE // 1024
        except (OSError, IndexError, ValueError):
            return 0

    def run(self) -> None:
        tree = [self.pid]
        while not self.stop_event.is_set():
            if self.samples % self.RESCAN_EVERY == 0:
                tree = [self.pid, *_descendants(self.pid)]
            total = sum(self._rss_kb(p) for p in tree)
            self.peak_kb = max(self.peak_kb, total)
            self.samples += 1
            self.stop_event.wait(SAMPLE_INTERVAL_S)


def child_env() -> dict:
    env = os.environ.copy()
    # The pinned Node 24 first (as the Makefile and tests do), or jsii runs on
    # the machine's end-of-life Node and prints a banner.
    path = [str(NODE_BIN), str(VENV_PYTHON.parent), env.get("PATH", "")]
    env["PATH"] = os.pathsep.join(p for p in path if p)
    env["CDK_DISABLE_CLI_TELEMETRY"] = "true"
    env["CDK_DISABLE_VERSION_CHECK"] = "true"
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    env.pop("JSII_NODE", None)
    return env


def count_resources(outdir: Path, stacks: int, scenario: str) -> dict:
    """Per-stack resource counts of the synthesized templates (all stacks must agree)."""
    per_stack = []
    for i in range(stacks):
        tpl = json.loads((outdir / f"Bench{scenario}{i:02d}.template.json").read_text())
        res = tpl.get("Resources", {})
        c = Counter(r["Type"] for r in res.values())
        azs = {json.dumps(r["Properties"].get("AvailabilityZone"), sort_keys=True)
               for r in res.values() if r["Type"] == "AWS::EC2::Subnet"}
        c["azs"] = len(azs)
        c["literal-az-names"] = sum(1 for a in azs if a.startswith('"'))
        c["total"] = len(res)
        per_stack.append(dict(c))
    first = per_stack[0]
    if any(p != first for p in per_stack[1:]):
        raise RuntimeError(f"scenario {scenario}: stacks of one app differ in resources")
    return first


def run_once(python: str, scenario: str, stacks: int, env: dict, workdir: Path,
             verify: bool) -> dict:
    run_dir = Path(tempfile.mkdtemp(prefix=f"run-{scenario}{stacks}-", dir=workdir))
    outdir = run_dir / "cdk.out"
    result_file = run_dir / "result.json"
    argv = [python, os.path.abspath(__file__), "--child", scenario, str(stacks),
            str(outdir), str(result_file)]
    with open(run_dir / "stdout", "wb") as so, open(run_dir / "stderr", "wb") as se:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, env=env, stdout=so, stderr=se, cwd=run_dir)
        sampler = TreeSampler(proc.pid)
        sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        t_end = time.monotonic()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop_event.set()
        sampler.join()
    stderr = (run_dir / "stderr").read_text(errors="replace")
    if proc.returncode != 0 or not result_file.exists():
        raise RuntimeError(f"child {scenario}x{stacks} failed (exit {proc.returncode}):\n{stderr}")
    r = json.loads(result_file.read_text())
    procs = r["procs"]
    out = {
        "scenario": scenario,
        "stacks": stacks,
        "synth_s": r["t_synth"] - t0,
        "total_s": t_end - t0,
        "startup_s": r["t_imported"] - t0,       # interpreter + jsii kernel + aws_cdk import
        "construct_s": r["t_built"] - r["t_imported"],
        "synth_call_s": r["t_synth"] - r["t_built"],
        "peak_mb": sampler.peak_kb / 1024,
        "samples": sampler.samples,
        "hwm_sum_mb": sum(p["hwm_kb"] for p in procs) / 1024,
        "python_hwm_mb": procs[0]["hwm_kb"] / 1024,
        "descendants": [(p["comm"], round(p["hwm_kb"] / 1024, 1)) for p in procs[1:]],
        "wait4_maxrss_mb": ru.ru_maxrss / 1024,  # Linux: kilobytes
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "stderr_lines": [line for line in stderr.splitlines() if line.strip()],
    }
    if verify:
        out["counts"] = count_resources(outdir, stacks, scenario)
    shutil.rmtree(run_dir, ignore_errors=True)
    return out


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def _load1(load: str) -> float:
    try:
        return float(load.split()[0])
    except (ValueError, IndexError):
        return 0.0


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}x {'ok' if r <= TARGET_RATIO else 'OVER'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5, help="measured runs per scenario and size")
    ap.add_argument("--warmup", type=int, default=1,
                    help="unmeasured A+B pairs (1 stack) first, to warm the page cache")
    ap.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                    help="comma-separated stack counts per App (default 1,20)")
    ap.add_argument("--check", action="store_true",
                    help=f"exit 1 when an A/B ratio exceeds {TARGET_RATIO}")
    ap.add_argument("--json", metavar="FILE", help="also write every run's raw numbers here")
    ap.add_argument("--python",
                    default=str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable,
                    help="interpreter for the child runs (default: the repo's .venv)")
    ap.add_argument("--child", nargs=4, metavar=("SCENARIO", "STACKS", "OUTDIR", "RESULT"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child:
        scenario, stacks, outdir, result = args.child
        child_main(scenario, int(stacks), outdir, result)
        return 0

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.repeat < 1 or not sizes or min(sizes) < 1:
        ap.error("--repeat and --sizes must be positive")
    env = child_env()
    node = shutil.which("node", path=env["PATH"])
    node_v = subprocess.run([node or "node", "--version"], capture_output=True, text=True,
                            env=env).stdout.strip()
    print(f"python: {args.python}")
    print(f"node:   {node} {node_v}")
    print(f"cpus:   {os.cpu_count()}   repeat: {args.repeat}   warm-up pairs: {args.warmup}   "
          f"sizes: {sizes}")
    load_start = _loadavg()
    print(f"load average: {load_start}")
    print("A = BestPracticeVpc(stack, 'Network') with defaults")
    print("B = ec2.Vpc, 3 token AZs, public/24 private-egress/20 isolated/22, 3 NAT GWs, "
          "S3+DDB endpoints,\n    restrict_default_security_group, "
          "flow log -> LogGroup(1y, kms.Key(rotation))")
    print()

    results: list[dict] = []
    counts: dict[str, dict] = {}
    stderr_seen: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as tmp:
        work = Path(tmp)
        try:
            for _ in range(args.warmup):
                for sc in SCENARIOS:
                    run_once(args.python, sc, 1, env, work, verify=False)
            for n in sizes:
                for rep in range(args.repeat):
                    for sc in SCENARIOS:          # A, B, A, B, ...
                        r = run_once(args.python, sc, n, env, work, verify=True)
                        results.append(r)
                        key = f"{sc}x{n}"
                        c = r.pop("counts")
                        if counts.setdefault(sc, c) != c:
                            raise RuntimeError(f"{key}: resource counts changed between runs")
                        if r["stderr_lines"]:
                            stderr_seen.setdefault(key, r["stderr_lines"])
                        print(f"  {key:>5} run {rep + 1}/{args.repeat}: synth {r['synth_s']:6.2f} s"
                              f"  total {r['total_s']:6.2f} s  peak {r['peak_mb']:7.1f} MB",
                              flush=True)
        except RuntimeError as e:
            print(f"\nERROR: {e}", file=sys.stderr)
            return 2

    # ---- what was built
    print("\nResources per stack (from the synthesized templates):")
    kinds = ["azs", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::EIP",
             "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::VPCEndpoint",
             "AWS::EC2::FlowLog", "AWS::Logs::LogGroup", "AWS::KMS::Key", "AWS::IAM::Role",
             "AWS::Lambda::Function", "literal-az-names", "total"]
    print(f"  {'':24}" + "".join(f"{sc:>6}" for sc in SCENARIOS))
    for k in kinds:
        print(f"  {k.replace('AWS::', ''):24}"
              + "".join(f"{counts[sc].get(k, 0):>6}" for sc in SCENARIOS))
    bad = [f"{sc}: {k}={counts[sc].get(k, 0)} (want {v})" for sc in SCENARIOS
           for k, v in EXPECTED_PER_STACK.items() if counts[sc].get(k, 0) != v]
    bad += [f"{sc}: literal AZ names in an env-agnostic stack" for sc in SCENARIOS
            if counts[sc].get("literal-az-names")]
    if bad:
        print("ERROR: the scenarios do not build the intended network:\n  " + "\n  ".join(bad),
              file=sys.stderr)
        return 2
    for key, lines in stderr_seen.items():
        print(f"\nNOTE: {key} wrote to stderr (first run shown): " + " | ".join(lines[:5]))

    # ---- timing / memory table
    def runs(sc: str, n: int) -> list[dict]:
        return [r for r in results if r["scenario"] == sc and r["stacks"] == n]

    med = statistics.median
    print(f"\nSynthesis: {args.repeat} fresh processes per row, medians unless noted. synth = "
          "process start to end of app.synth()\n(min/max of synth alongside); total = start to "
          "child reaped; startup/constr/synth() = phases of synth;\ncpu = user+sys of the child "
          "tree (wait4); peak = polled RSS peak of python + node processes.")
    hdr = (f"  {'scenario':15} {'synth s':>7} {'min':>6} {'max':>6} {'total s':>7} "
           f"{'startup':>7} {'constr':>6} {'synth()':>7} {'cpu s':>6} {'peak MB':>8}")
    print(hdr)
    print("  " + "-" * (len(hdr) - 2))
    for n in sizes:
        for sc in SCENARIOS:
            rs = runs(sc, n)
            s = [r["synth_s"] for r in rs]
            print(f"  {f'{sc} x{n}':15} {med(s):7.2f} {min(s):6.2f} {max(s):6.2f} "
                  f"{med(r['total_s'] for r in rs):7.2f} {med(r['startup_s'] for r in rs):7.2f} "
                  f"{med(r['construct_s'] for r in rs):6.2f} "
                  f"{med(r['synth_call_s'] for r in rs):7.2f} "
                  f"{med(r['cpu_s'] for r in rs):6.2f} {med(r['peak_mb'] for r in rs):8.1f}")

    print("\nMemory detail (medians, MB): peak = polled tree RSS; wait4 = ru_maxrss (largest "
          "single process);\nHWM sum = VmHWM of python + descendants at end of synth; "
          "per-process VmHWM of the 1st run")
    for n in sizes:
        for sc in SCENARIOS:
            rs = runs(sc, n)
            desc = ", ".join(f"{c} {m:.0f}" for c, m in rs[0]["descendants"]) or "none"
            print(f"  {f'{sc} x{n}':7} peak {med(r['peak_mb'] for r in rs):6.1f}  wait4 "
                  f"{med(r['wait4_maxrss_mb'] for r in rs):6.1f}  HWM sum "
                  f"{med(r['hwm_sum_mb'] for r in rs):6.1f}  "
                  f"| python {rs[0]['python_hwm_mb']:.0f}, "
                  f"{desc}")

    over = False
    for x, y in COMPARISONS:
        print(f"\n{x}/{y} ratios of the medians ({x}: {SCENARIOS[x]}; {y}: {SCENARIOS[y]}; "
              f"target <= {TARGET_RATIO}x; cpu and total are for information only)")
        for n in sizes:
            a, b = runs(x, n), runs(y, n)

            def ratio(key: str, a: list = a, b: list = b) -> float:
                return med(r[key] for r in a) / med(r[key] for r in b)

            rt, rm = ratio("synth_s"), ratio("peak_mb")
            over |= rt > TARGET_RATIO or rm > TARGET_RATIO
            label = f"{n} stack" + ("s" if n > 1 else "")
            print(f"  {label:>10}: time {fmt_ratio(rt):10}  memory {fmt_ratio(rm):10}  "
                  f"(cpu {ratio('cpu_s'):.2f}x, total process wall {ratio('total_s'):.2f}x)")
    load_end = _loadavg()
    print(f"\nload average at start {load_start}, at end {load_end}")
    busy = max(_load1(load_start), _load1(load_end)) > (os.cpu_count() or 1)
    if busy:
        print("WARNING: the machine was busy (1-minute load above the CPU count): wall times are "
              "inflated and scattered\nby other work, so the time ratios are unreliable; the cpu "
              "ratio is a steadier hint. Re-run when idle.")

    if args.json:
        Path(args.json).write_text(json.dumps(
            {"counts": counts, "runs": results, "repeat": args.repeat, "sizes": sizes}, indent=1))
        print(f"\nraw results: {args.json}")
    if args.check and over:
        print(f"\n--check: a ratio exceeds {TARGET_RATIO}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
