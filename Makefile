# Two commands on a fresh machine:  make synth   and   make test
# Both install what is missing first (.venv in the repo, npm packages).

VENV    := .venv
PY      := $(VENV)/bin/python
PYTHON3 ?= python3
# The pinned Node.js (package.json) comes first, so jsii never runs on an
# end-of-life system Node.
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export CDK_DISABLE_VERSION_CHECK := true

CHROMIUM  ?= /usr/bin/chromium
PY_STAMP  := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
# checkov has a venv of its own: it pins boto3==1.35.49 (and packaging<24,
# networkx<2.7), which conflict with the main requirements (boto3>=1.40).
CHECKOV_VENV  := .venv-checkov
CHECKOV       := $(CHECKOV_VENV)/bin/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

.PHONY: deps synth lint cfn-lint gates verify cost test test-fast e2e bench report clean

deps: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON3) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON3) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt
	touch $@

## make synth: synthesize every reference stack (the cdk-nag packs and AWS
## Control Tower's proactive controls run as validation plugins and fail on
## any unsuppressed finding), lint them, run checkov on them and prove the
## network intents recorded in them.
synth: deps $(CHECKOV_STAMP)
	rm -rf cdk.out.previous
	if [ -d cdk.out ]; then mv cdk.out cdk.out.previous; fi
	VPC_PATTERNS_PREVIOUS_TEMPLATES=cdk.out.previous cdk synth --quiet --no-notices \
	  -c vpc_patterns:cfn-guard=true
	$(MAKE) --no-print-directory cfn-lint gates verify cost

## checkov's CloudFormation checks on cdk.out (part of make synth; cfn-guard
## ran at synthesis): every finding fixed or suppressed with a reason.
gates: $(CHECKOV_STAMP)
	$(PY) -m vpc_patterns gates cdk.out --checkov $(CHECKOV)

verify:
	$(PY) -m vpc_patterns verify cdk.out

## Fixed monthly cost of each stack (dated list prices; no data processing).
cost:
	$(PY) -m vpc_patterns cost cdk.out

## Markdown plan + one self-contained HTML page (with diagram) per stack.
report:
	$(PY) -m vpc_patterns report cdk.out --out report-out

## make lint: ruff (style, imports, bugs) and mypy (types) on the library,
## the stacks and the tests; CI runs it before the tests.
lint: deps
	$(PY) -m ruff check constructs stacks tests bench app.py
	$(PY) -m mypy

## Templates in cdk.out against the CloudFormation specs (part of make synth).
cfn-lint:
	cfn-lint "cdk.out/*.template.json"
	@echo "cfn-lint: 0 errors, 0 warnings in $$(ls cdk.out/*.template.json | wc -l) templates"

# Debian's tools that tests run for real: headless Chromium (the report's
# browser test), unbound-checkconf and named-checkconf (the on-premises DNS
# forwarding files), iptables (the NAT instance datapath in network
# namespaces), strongSwan with its userland ESP (kernel-libipsec) and FRR (the
# VPN tunnels brought up between namespaces), shellcheck (rendered scripts).
# Installed here, once, when any is missing (needs root and apt-get).
DEBIAN_TOOLS := $(CHROMIUM) /usr/sbin/unbound-checkconf /usr/bin/named-checkconf \
  /usr/sbin/iptables /usr/sbin/swanctl /usr/lib/ipsec/charon \
  /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so \
  /usr/lib/ipsec/plugins/libstrongswan-openssl.so /usr/lib/ipsec/plugins/libstrongswan-gcm.so \
  /usr/bin/vtysh /usr/lib/frr/bgpd /usr/bin/shellcheck
DEBIAN_PKGS  := chromium unbound bind9-utils iptables strongswan-swanctl \
  strongswan-charon charon-systemd libstrongswan-standard-plugins libstrongswan-extra-plugins \
  libcharon-extra-plugins frr shellcheck

.PHONY: debian-tools
debian-tools:
	@missing=""; for f in $(DEBIAN_TOOLS); do [ -e "$$f" ] || missing="$$missing $$f"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "missing:$$missing"; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(DEBIAN_PKGS); \
	else \
	  echo "install Debian's packages $(DEBIAN_PKGS) (sudo apt-get install $(DEBIAN_PKGS))"; exit 1; \
	fi

## make test: the whole suite (plan, constructs, snapshots, gates, emulator).
test: deps debian-tools $(CHECKOV_STAMP)
	CHECKOV=$(CURDIR)/$(CHECKOV) $(PY) -m pytest -n 2 --dist loadfile

test-fast: deps
	$(PY) -m pytest -n 2 --dist loadfile -m "not e2e"

## make e2e: the pinned CDK CLI bootstraps, deploys (--all), updates and
## destroys the reference app in a moto server on loopback (no AWS account);
## the network is read back and compared with the templates, and each moto
## patch on that path is shown to be still needed. About 65 s (the CLI run
## itself about 50 s); part of make test (and so of CI) too.
e2e: deps
	$(PY) -m pytest -p no:cacheprovider tests/test_e2e_cdk_cli.py tests/test_moto_patches.py

bench: deps
	$(PY) bench/bench_synth.py

clean:
	rm -rf cdk.out .pytest_cache .hypothesis
