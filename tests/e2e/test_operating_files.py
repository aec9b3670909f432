#!/usr/bin/env python3
"""Offline checks of the operating files: alerts/, dashboards/ and deploy/.

    /usr/bin/python3 tests/e2e/test_operating_files.py [path-to-exporter-binary]

The argument is accepted (ctest passes the binary) and ignored: nothing here needs a running
exporter. Checked:
  * rules: `promtool check rules`, `promtool test rules alerts/tests/*.yml`, every alert has
    for/severity/summary/description, fires in one test case and stays quiet in another, only
    metric names and label values of the exporter's contract are used;
  * deploy/prometheus/prometheus.yml: `promtool check config`, in the repository and laid out
    the way docker-compose.yml mounts it; scrape jobs match the rules' job matcher;
  * deploy/alertmanager/alertmanager.yml: `amtool check-config`;
  * dashboards: JSON structure (uid, variables, unique panel ids, every panel has targets with
    expr and uses the ${datasource} variable), every PromQL expression parses (as recording
    rules through `promtool check rules`), provisioning files agree with docker-compose.yml;
  * docker-compose.yml and deploy/kubernetes/*.yaml: expected services and kinds, port 9025 and
    /etc/smtp_exporter/smtp_exporter.yml as in the Dockerfile, the PrometheusRule is the
    up-to-date output of make-prometheusrule.sh;
  * deploy/systemd/smtp_exporter.service: hardening directives, `systemd-analyze verify`.
Tests that need promtool, amtool or systemd-analyze are skipped when the tool is not installed.
Only the standard library and python3-yaml are used.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
ALERTS_DIR = os.path.join(ROOT, "alerts")
RULES_FILE = os.path.join(ALERTS_DIR, "smtp_exporter.rules.yml")
RULE_TESTS = os.path.join(ALERTS_DIR, "tests")
DASHBOARDS_DIR = os.path.join(ROOT, "dashboards")
DEPLOY = os.path.join(ROOT, "deploy")
COMPOSE_FILE = os.path.join(DEPLOY, "docker-compose.yml")
PROMETHEUS_CONFIG = os.path.join(DEPLOY, "prometheus", "prometheus.yml")
ALERTMANAGER_CONFIG = os.path.join(DEPLOY, "alertmanager", "alertmanager.yml")
K8S_DIR = os.path.join(DEPLOY, "kubernetes")
SYSTEMD_UNIT = os.path.join(DEPLOY, "systemd", "smtp_exporter.service")
DOCKERFILE = os.path.join(ROOT, "Dockerfile")

# The exporter's contract.
EXPORTER_PORT = 9025
CONFIG_PATH = "/etc/smtp_exporter/smtp_exporter.yml"
BINARY_PATH = "/usr/local/bin/smtp_exporter"

CONTRACT_METRICS = {
    "smtp_probe_success", "smtp_ehlo_success",
    "smtp_ehlo_duration_seconds_bucket", "smtp_ehlo_duration_seconds_sum", "smtp_ehlo_duration_seconds_count",
    "smtp_probe_events_total", "smtp_probe_failures_total", "smtp_probe_phase_duration_seconds",
    "smtp_reply_code", "smtp_ehlo_extension_info", "smtp_helo_fallback", "smtp_qos_timeout_seconds",
    "smtp_probe_last_run_timestamp_seconds", "smtp_auth_offered_before_tls", "smtp_auth_mechanism_info",
    "smtp_step_success", "smtp_step_duration_seconds", "smtp_step_reply_code",
    "smtp_tls_cert_not_after_timestamp_seconds", "smtp_tls_chain_not_after_timestamp_seconds",
    "smtp_tls_cert_verified", "smtp_tls_version_info", "smtp_tls_cipher_info",
    "smtp_exporter_build_info", "smtp_exporter_config_last_reload_successful",
    "smtp_exporter_config_last_reload_success_timestamp_seconds", "smtp_exporter_probes_in_flight",
    "smtp_exporter_targets", "smtp_exporter_probes_skipped_total", "smtp_exporter_probe_errors_total",
    # Mail domains (src/metrics/families.hpp, "Mail domains"): the domain's own facts. The session of
    # each (MX, address) has the families above, with the labels mx, address and family.
    "smtp_domain_mx_hosts", "smtp_domain_addresses", "smtp_domain_addresses_up", "smtp_domain_success",
    "smtp_domain_null_mx", "smtp_domain_dns_failure", "smtp_domain_consistent",
    "smtp_mta_sts_policy_present", "smtp_mta_sts_fetch_success", "smtp_mta_sts_mode", "smtp_mta_sts_max_age_seconds",
    "smtp_mta_sts_mx_covered", "smtp_mta_sts_policy_id_info",
    "smtp_dane_tlsa_records", "smtp_dane_dnssec_secure", "smtp_dane_match",
    "smtp_fcrdns_match", "smtp_banner_name_matches_ptr",
    # Mail loops (src/metrics/families.hpp, "Mail loops"): label loop instead of target.
    "smtp_loop_sent_total", "smtp_loop_send_failures_total", "smtp_loop_received_total", "smtp_loop_lost_total",
    "smtp_loop_late_total", "smtp_loop_pending", "smtp_loop_roundtrip_seconds_bucket",
    "smtp_loop_roundtrip_seconds_sum", "smtp_loop_roundtrip_seconds_count", "smtp_loop_last_roundtrip_seconds",
    "smtp_loop_last_success_timestamp_seconds", "smtp_loop_last_queue_seconds", "smtp_loop_auth_results",
    "smtp_loop_receive_up", "smtp_loop_receive_failures_total",
}
CONTRACT_LABEL_VALUES = {
    "event": {"5510", "5511", "5509"},
    "reason": {"resolve", "connect_refused", "connect_timeout", "greeting_timeout", "greeting_rejected",
               "ehlo_timeout", "ehlo_rejected", "protocol_error", "banner_mismatch", "qos_exceeded",
               "tls_handshake", "tls_verify", "starttls_not_offered", "starttls_rejected",
               "auth_not_offered", "auth_rejected", "auth_accepted", "mail_from_rejected", "rcpt_rejected",
               "rcpt_accepted", "rcpt_deferred", "data_rejected", "step_timeout",
               # smtp_domain_dns_failure (domain::kDnsFailureNames)
               "nxdomain", "servfail", "bogus", "timeout", "no_address",
               # smtp_loop_receive_failures_total (loop::kReceiveFailures)
               "connect", "tls_handshake", "tls_verify", "closed", "protocol", "plaintext", "login", "refused",
               "maildir"},
    "phase": {"resolve", "connect", "greeting", "ehlo", "quit", "starttls", "tls"},
    "stage": {"greeting", "ehlo"},
    # Mail domains: metrics::kConsistencyAspects, domain::mode_name, domain::family_name.
    "aspect": {"starttls", "tls_verified", "extensions", "probe_success", "family_parity"},
    "mode": {"enforce", "testing", "none"},
    "family": {"ip4", "ip6"},
}

REQUIRED_ALERTS = [
    "SMTPServerDown", "SMTPQoSDegraded", "SMTPQoSBudgetBurn", "SMTPEHLOSlow",
    "SMTPCertificateExpiringSoon", "SMTPCertificateInvalid", "SMTPProbesStale",
    "SMTPExporterConfigReloadFailed", "SMTPExporterDown", "SMTPOpenRelay", "SMTPAuthOfferedBeforeTLS",
    "SMTPDomainAddressDown", "SMTPDomainUnreachable", "SMTPDomainIPv6Broken", "SMTPDomainStartTLSInconsistent",
    "SMTPMTASTSMXNotCovered", "SMTPDANEMismatch",
    "SMTPLoopMessageLost", "SMTPLoopSlow", "SMTPLoopJunk", "SMTPLoopDMARCNotPassing", "SMTPLoopReceiveDown",
    "SMTPLoopSendFailing", "SMTPProbeFailed",
]
# Alerts about the exporter rather than a target name the instance instead of the target, and so
# do those on /probe results (there the instance is the probed server).
EXPORTER_ALERTS = {"SMTPExporterConfigReloadFailed", "SMTPExporterDown", "SMTPProbeFailed"}
# Alerts about a mail loop name the loop.
LOOP_ALERTS = {"SMTPLoopMessageLost", "SMTPLoopSlow", "SMTPLoopJunk", "SMTPLoopDMARCNotPassing", "SMTPLoopReceiveDown",
               "SMTPLoopSendFailing"}
REQUIRED_RECORDS = [
    "smtp:probe_events:rate5m", "smtp:probe_failures:rate5m",
    "smtp:probe_qos_errors:ratio_rate5m", "smtp:probe_qos_errors:ratio_rate30m",
    "smtp:probe_qos_errors:ratio_rate1h", "smtp:probe_qos_errors:ratio_rate6h",
    "smtp:ehlo_within_qos:ratio_rate5m", "smtp:ehlo_within_qos:ratio_rate30m",
    "smtp:ehlo_duration_seconds:p95_rate30m", "smtp:probe_qos_latency:seconds", "smtp:tls_cert_expiry:seconds",
]

# Grafana variables -> values for parsing dashboard PromQL.
DASHBOARD_VARIABLES = {
    "job": "smtp", "target": "mx1", "module": "smtp_ehlo", "datasource": "prometheus",
    "instance": "exporter:9025", "domain": "example.org",
    "__rate_interval": "5m", "__interval": "1m", "__range": "1h",
    "__interval_ms": "60000", "__range_s": "3600", "__range_ms": "3600000",
}

PROMTOOL = shutil.which("promtool")
AMTOOL = shutil.which("amtool")
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def run(cmd, cwd=ROOT, timeout=240):
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def output_of(result):
    return f"$ {' '.join(result.args)}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_rules():
    return load_yaml(RULES_FILE)


def all_rules(doc):
    for group in doc["groups"]:
        for rule in group["rules"]:
            yield group["name"], rule


def metric_names(expr):
    """Raw metric names (smtp_*) and recording rule names (smtp:*:*) used in a PromQL expression."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # not inside label values
    raw = set(re.findall(r"(?<![\w:])smtp_[a-z0-9_]+", expr))
    recorded = set(re.findall(r"(?<![\w:])smtp:[a-z0-9_]+:[a-z0-9_]+", expr))
    return raw, recorded


def contract_label_problems(expr):
    """Literal values of contract labels (event, reason, phase, stage, aspect, mode, family) that the
    exporter never writes."""
    problems = []
    labels = "|".join(CONTRACT_LABEL_VALUES)
    for label, _op, value in re.findall(rf'\b({labels})\s*(=~|!~|!=|=)\s*"([^"]*)"', expr):
        if value.startswith("$"):
            continue
        for alternative in value.split("|"):
            if re.fullmatch(r"[A-Za-z0-9_]+", alternative) and alternative not in CONTRACT_LABEL_VALUES[label]:
                problems.append(f'{label}="{alternative}"')
    return problems


def alert_job_regex(alert, metric):
    """The job regex an alert matches `metric` with, e.g. up{job=~"..."} in SMTPExporterDown."""
    for _group, rule in all_rules(load_rules()):
        if rule.get("alert") == alert:
            m = re.search(metric + r'\{job=~"([^"]+)"\}', rule["expr"])
            if m:
                return m.group(1)
    raise AssertionError(f'{alert} has no {metric}{{job=~"..."}} matcher')


def load_compose():
    return load_yaml(COMPOSE_FILE)


def compose_mounts(service):
    """(source as absolute path or volume name, target, options) of a compose service's volumes."""
    mounts = []
    for v in service.get("volumes", []):
        if isinstance(v, dict):
            source, target = v.get("source", ""), v["target"]
        else:
            parts = v.split(":")
            source, target = parts[0], parts[1]
        if source.startswith((".", "/")):
            source = os.path.normpath(os.path.join(DEPLOY, source))
        mounts.append((source, target))
    return mounts


def load_k8s_documents():
    docs = []
    for path in sorted(glob.glob(os.path.join(K8S_DIR, "*.yaml")) + glob.glob(os.path.join(K8S_DIR, "*.yml"))):
        with open(path, encoding="utf-8") as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    docs.append((os.path.basename(path), doc))
    return docs


def dashboard_files():
    return sorted(glob.glob(os.path.join(DASHBOARDS_DIR, "*.json")))


def load_dashboard(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def flat_panels(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        for inner in panel.get("panels", []) or []:
            yield inner


def substitute_variables(text):
    def repl(m):
        name = m.group(1) or m.group(2)
        if name not in DASHBOARD_VARIABLES:
            raise AssertionError(f"unknown Grafana variable ${name} in: {text}")
        return DASHBOARD_VARIABLES[name]
    return re.sub(r"\$\{(\w+)(?::[^}]*)?\}|\$(\w+)", repl, text)


def dashboard_expressions(dashboard):
    """(where, PromQL) of every panel target, template variable query and annotation query."""
    exprs = []
    for panel in flat_panels(dashboard):
        for target in panel.get("targets", []) or []:
            if "expr" in target:
                exprs.append((f"panel {panel.get('id')} '{panel.get('title')}' {target.get('refId')}", target["expr"]))
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query", "")
        m = re.fullmatch(r"\s*label_values\((.+),\s*[A-Za-z_]\w*\s*\)\s*", query or "")
        if m:
            exprs.append((f"variable {var['name']}", m.group(1)))
        elif not re.fullmatch(r"\s*label_(values|names)\([^,]*\)\s*", query or ""):
            exprs.append((f"variable {var['name']}", query))
    for ann in dashboard.get("annotations", {}).get("list", []):
        if ann.get("expr"):
            exprs.append((f"annotation {ann.get('name')}", ann["expr"]))
    return exprs


def uses_datasource_variable(ds):
    if isinstance(ds, str):
        return ds in ("$datasource", "${datasource}")
    return isinstance(ds, dict) and ds.get("uid") in ("$datasource", "${datasource}") and ds.get("type") == "prometheus"


# ----------------------------------------------------------------------------------------------
class RulesTest(unittest.TestCase):
    def test_promtool_check_rules(self):
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        result = run([PROMTOOL, "check", "rules", RULES_FILE])
        self.assertEqual(result.returncode, 0, output_of(result))

    def test_promtool_unit_tests(self):
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        tests = sorted(glob.glob(os.path.join(RULE_TESTS, "*.yml")))
        self.assertTrue(tests, "no alerts/tests/*.yml")
        result = run([PROMTOOL, "test", "rules", *tests])
        self.assertEqual(result.returncode, 0, output_of(result))

    def test_required_alerts_and_records_exist(self):
        doc = load_rules()
        alerts = {r["alert"] for _, r in all_rules(doc) if "alert" in r}
        records = {r["record"] for _, r in all_rules(doc) if "record" in r}
        self.assertFalse(set(REQUIRED_ALERTS) - alerts, "missing alerts")
        self.assertFalse(set(REQUIRED_RECORDS) - records, "missing recording rules")

    def test_every_alert_has_for_severity_and_annotations(self):
        for _group, rule in all_rules(load_rules()):
            if "alert" not in rule:
                continue
            name = rule["alert"]
            with self.subTest(alert=name, severity=rule.get("labels", {}).get("severity")):
                self.assertRegex(str(rule.get("for", "")), r"^\d+[smh]$", "needs a `for:` duration")
                self.assertIn(rule.get("labels", {}).get("severity"), ("warning", "critical"))
                ann = rule.get("annotations", {})
                self.assertTrue(ann.get("summary"), "summary missing")
                self.assertTrue(ann.get("description"), "description missing")
                self.assertIn("Check first", ann["description"], "description should say what to check first")
                who = ("$labels.instance" if name in EXPORTER_ALERTS else
                       "$labels.loop" if name in LOOP_ALERTS else "$labels.target")
                self.assertIn(who, ann["summary"] + ann["description"], f"annotations should name {who}")

    def test_every_alert_fires_in_a_test_and_stays_quiet_in_another(self):
        fires, quiet = set(), set()
        for path in glob.glob(os.path.join(RULE_TESTS, "*.yml")):
            for test in load_yaml(path).get("tests", []):
                for case in test.get("alert_rule_test", []) or []:
                    (fires if case.get("exp_alerts") else quiet).add(case["alertname"])
        alerts = {r["alert"] for _, r in all_rules(load_rules()) if "alert" in r}
        self.assertFalse(alerts - fires, "alerts without a test case where they fire")
        self.assertFalse(alerts - quiet, "alerts without a test case where they do not fire")

    def test_rule_tests_evaluate_recording_rules_first(self):
        # Without group_eval_order promtool runs the groups in random order, and alerts that read
        # recording rules see the previous evaluation's values in some runs only (flaky tests).
        groups = [g["name"] for g in load_rules()["groups"]]
        for path in glob.glob(os.path.join(RULE_TESTS, "*.yml")):
            with self.subTest(test=os.path.basename(path)):
                self.assertEqual(load_yaml(path).get("group_eval_order"), groups)

    def test_burn_rate_alerts_follow_the_sre_workbook(self):
        burn = [r for _, r in all_rules(load_rules()) if r.get("alert") == "SMTPQoSBudgetBurn"]
        by_severity = {r["labels"]["severity"]: re.sub(r"\s+", " ", r["expr"]) for r in burn}
        self.assertEqual(set(by_severity), {"critical", "warning"})
        for severity, factor, long_w, short_w in (("critical", "14.4", "1h", "5m"), ("warning", "6", "6h", "30m")):
            expr = by_severity[severity]
            self.assertIn(f"smtp:probe_qos_errors:ratio_rate{long_w} > ({factor} *", expr)
            self.assertIn(f"smtp:probe_qos_errors:ratio_rate{short_w} > ({factor} *", expr)
            self.assertIn(" and ", expr)

    def test_only_contract_metrics_and_label_values(self):
        doc = load_rules()
        records = {r["record"] for _, r in all_rules(doc) if "record" in r}
        for _group, rule in all_rules(doc):
            raw, recorded = metric_names(rule["expr"])
            with self.subTest(rule=rule.get("alert") or rule.get("record")):
                self.assertFalse(raw - CONTRACT_METRICS, "metric names outside the exporter's contract")
                self.assertFalse(recorded - records, "recording rules that do not exist")
                self.assertFalse(contract_label_problems(rule["expr"]))

    def test_tunables_are_documented_at_the_top(self):
        with open(RULES_FILE, encoding="utf-8") as f:
            header = f.read().split("\ngroups:", 1)[0]
        for needle in ("mixin/config.libsonnet", "sloObjective", "qosShareObjective",
                       "probeStaleThresholdSeconds", "14.4 over 1h AND over 5m", "6 over 6h AND over 30m",
                       'job=~"smtp[-_]exporter"', 'job=~"smtp[-_]probe"'):
            self.assertIn(needle, header)


# ----------------------------------------------------------------------------------------------
JSONNET = shutil.which("jsonnet")
RENDER = os.path.join(ROOT, "scripts", "render-mixin.py")
MIXIN_DIR = os.path.join(ROOT, "mixin")


def jsonnet_eval(code):
    out = subprocess.run([JSONNET, "-J", MIXIN_DIR, "-e", code], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise AssertionError(out.stderr)
    return json.loads(out.stdout)


class MixinTest(unittest.TestCase):
    """mixin/ renders alerts/ and dashboards/ (scripts/render-mixin.py); the checked-in files are
    what it renders, and a changed _config changes the rules."""

    def setUp(self):
        if not JSONNET:
            self.skipTest("jsonnet not installed (Debian package jsonnet)")

    def test_layout_of_the_monitoring_mixins_convention(self):
        fields = jsonnet_eval('local m = import "mixin.libsonnet"; std.objectFieldsAll(m)')
        for field in ("_config", "prometheusAlerts", "prometheusRules", "grafanaDashboards"):
            self.assertIn(field, fields)
        config = jsonnet_eval('(import "mixin.libsonnet")._config')
        for key in ("exporterSelector", "probeSelector", "sloObjective", "qosShareObjective",
                    "probeStaleThresholdSeconds", "burnRateWindows"):
            self.assertIn(key, config)
        dashboards = jsonnet_eval('std.objectFields((import "mixin.libsonnet").grafanaDashboards)')
        self.assertEqual(sorted(dashboards), sorted(n for n in os.listdir(DASHBOARDS_DIR) if n.endswith(".json")))
        self.assertTrue(os.path.exists(os.path.join(MIXIN_DIR, "jsonnetfile.json")), "jsonnet-bundler file")

    def test_checked_in_files_are_what_the_mixin_renders(self):
        result = run([sys.executable, RENDER, "--check"])
        self.assertEqual(result.returncode, 0, output_of(result))

    def test_no_tunables_as_recording_rules(self):
        for _group, rule in all_rules(load_rules()):
            self.assertNotIn("vector(", rule["expr"], rule.get("record") or rule.get("alert"))
            self.assertNotIn("scalar(", rule["expr"], rule.get("record") or rule.get("alert"))

    def test_rules_follow_a_changed_config(self):
        config = {"exporterSelector": 'job="mail-monitor"', "probeSelector": 'job="mail-probe"',
                  "sloObjective": 0.999, "qosShareObjective": 0.9, "probeStaleThresholdSeconds": 600}
        with tempfile.TemporaryDirectory() as tmp:
            result = run([sys.executable, RENDER, "--out", tmp, "--config", json.dumps(config)])
            self.assertEqual(result.returncode, 0, output_of(result))
            rules_file = os.path.join(tmp, "alerts", "smtp_exporter.rules.yml")
            rules = load_yaml(rules_file)
            exprs = {(r.get("alert") or r.get("record")) + "/" + r.get("labels", {}).get("severity", ""): r["expr"]
                     for g in rules["groups"] for r in g["rules"]}
            text = "\n".join(exprs.values())
            self.assertNotIn("smtp[-_]exporter", text)
            self.assertNotIn("smtp[-_]probe", text)
            # Every raw series the rules read is the configured job's.
            for name, expr in exprs.items():
                for m in re.finditer(r"(?<![\w:])(smtp_[a-z0-9_]+|up|probe_success)(\{[^}]*\})?", expr):
                    want = 'job="mail-probe"' if m.group(1) == "probe_success" else 'job="mail-monitor"'
                    self.assertIn(want, m.group(2) or "", f"{name}: {m.group(0)}")
            self.assertIn("(14.4 * (1 - 0.999))", exprs["SMTPQoSBudgetBurn/critical"])
            self.assertIn("< 0.9", exprs["SMTPQoSDegraded/warning"])
            self.assertIn("> 600", exprs["SMTPProbesStale/warning"])
            with open(os.path.join(tmp, "dashboards", "smtp-overview.json"), encoding="utf-8") as f:
                overview = f.read()
            self.assertIn('label_values(smtp_probe_success{job=\\"mail-monitor\\"}, job)', overview)
            self.assertIn("(1 - 0.999)", overview)
            if not PROMTOOL:
                return
            self.assertEqual(run([PROMTOOL, "check", "rules", rules_file]).returncode, 0)
            # The rules fire on the new job and objective: an error ratio of 2% burns a 99.9%
            # budget 20 times too fast (a page), which the default 99% would call 2 times; the
            # exporter's `up` under its new job name.
            test_file = os.path.join(tmp, "alerts", "changed_config_test.yml")
            with open(test_file, "w", encoding="utf-8") as f:
                f.write(CHANGED_CONFIG_TEST)
            result = run([PROMTOOL, "test", "rules", test_file])
            self.assertEqual(result.returncode, 0, output_of(result))


CHANGED_CONFIG_TEST = """
rule_files: [smtp_exporter.rules.yml]
evaluation_interval: 1m
group_eval_order: [smtp_exporter.recording, smtp_exporter.servers, smtp_exporter.domains,
                   smtp_exporter.loops, smtp_exporter.exporter]
tests:
  - interval: 1m
    input_series:
      - series: 'smtp_probe_events_total{job="mail-monitor",instance="e:9025",target="mx1:25",module="m",event="5510"}'
        values: '0+98x90'
      - series: 'smtp_probe_events_total{job="mail-monitor",instance="e:9025",target="mx1:25",module="m",event="5509"}'
        values: '0+2x90'
      - series: 'smtp_probe_events_total{job="smtp_exporter",instance="e:9025",target="mx2:25",module="m",event="5509"}'
        values: '0+100x90'
      - series: 'up{job="mail-monitor",instance="e:9025"}'
        values: '0x10'
    alert_rule_test:
      - eval_time: 80m
        alertname: SMTPQoSBudgetBurn
        exp_alerts:
          - exp_labels: {severity: critical, job: mail-monitor, instance: "e:9025", target: "mx1:25", module: m}
            exp_annotations:
              summary: "SMTP QoS error budget of mx1:25 burns 14.4x too fast"
              description: "2% of the probes of mx1:25 (module m) missed the QoS time or failed (ELM 5511/5509) over the last 1h, and still do over 5m. That spends the error budget of the objective (99.9% of the probes in 5510) at least 14.4 times as fast as it allows: a 30-day budget would last 2 days or less. Check first whether the probes fail (smtp_probe_failures_total by reason) or are only slow (smtp_probe_events_total{event=\\"5511\\"}, phase durations)."
          - exp_labels: {severity: warning, job: mail-monitor, instance: "e:9025", target: "mx1:25", module: m}
            exp_annotations:
              summary: "SMTP QoS error budget of mx1:25 burns 6x too fast"
              description: "2% of the probes of mx1:25 (module m) missed the QoS time or failed (ELM 5511/5509) over the last 6h, and still do over 30m. That spends the error budget of the objective (99.9% of the probes in 5510) at least 6 times as fast as it allows: a 30-day budget would last 5 days or less. Check first whether the probes fail (smtp_probe_failures_total by reason) or are only slow (smtp_probe_events_total{event=\\"5511\\"}, phase durations)."
      - eval_time: 10m
        alertname: SMTPExporterDown
        exp_alerts:
          - exp_labels: {severity: critical, job: mail-monitor, instance: "e:9025"}
            exp_annotations:
              summary: "smtp_exporter e:9025 is down"
              description: "Prometheus cannot scrape smtp_exporter on e:9025 (selector job=\\"mail-monitor\\"), so the SMTP servers it probes are not being watched. Check first whether the process/container runs (systemctl status smtp_exporter, kubectl get pods) and listens on :9025, then the scrape target's error on Prometheus' /targets page."
"""


# ----------------------------------------------------------------------------------------------
class PrometheusConfigTest(unittest.TestCase):
    def test_promtool_check_config_in_repository(self):
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        result = run([PROMTOOL, "check", "config", PROMETHEUS_CONFIG])
        self.assertEqual(result.returncode, 0, output_of(result))
        self.assertIn("rule files found", result.stdout + result.stderr)

    def test_promtool_check_config_as_mounted_by_compose(self):
        """Lay the files out the way docker-compose.yml mounts them and check that tree."""
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        service = load_compose()["services"]["prometheus"]
        config_flag = next(a for a in service["command"] if a.startswith("--config.file="))
        container_config = config_flag.split("=", 1)[1]
        with tempfile.TemporaryDirectory() as tmp:
            for source, target in compose_mounts(service):
                if os.path.isfile(source):
                    dest = os.path.join(tmp, target.lstrip("/"))
                    os.makedirs(os.path.dirname(dest), exist_ok=True)
                    shutil.copyfile(source, dest)
            config = os.path.join(tmp, container_config.lstrip("/"))
            self.assertTrue(os.path.isfile(config), f"compose does not mount {container_config}")
            result = run([PROMTOOL, "check", "config", config])
            self.assertEqual(result.returncode, 0, output_of(result))

    def test_rule_files_are_the_alerts_rules(self):
        config = load_yaml(PROMETHEUS_CONFIG)
        self.assertTrue(config.get("rule_files"))
        for rel in config["rule_files"]:
            path = os.path.join(os.path.dirname(PROMETHEUS_CONFIG), rel)
            self.assertTrue(os.path.isfile(path), f"{rel} does not resolve next to prometheus.yml")
            self.assertTrue(os.path.samefile(path, RULES_FILE), f"{rel} is not alerts/smtp_exporter.rules.yml")

    def test_scrape_jobs(self):
        config = load_yaml(PROMETHEUS_CONFIG)
        jobs = {j["job_name"]: j for j in config["scrape_configs"]}
        matcher = alert_job_regex("SMTPExporterDown", "up")
        metrics_jobs = [j for j in jobs.values() if j.get("metrics_path", "/metrics") == "/metrics"
                        and any(str(t).endswith(f":{EXPORTER_PORT}") for sc in j.get("static_configs", [])
                                for t in sc["targets"])]
        self.assertEqual(len(metrics_jobs), 1, "one job scrapes the exporter's /metrics")
        self.assertRegex(metrics_jobs[0]["job_name"], f"^(?:{matcher})$", "SMTPExporterDown must match the job")
        probe_jobs = [j for j in jobs.values() if j.get("metrics_path") == "/probe"]
        self.assertEqual(len(probe_jobs), 1, "one blackbox-style /probe job")
        probe = probe_jobs[0]
        self.assertNotRegex(probe["job_name"], f"^(?:{matcher})$")
        probe_matcher = alert_job_regex("SMTPProbeFailed", "probe_success")
        self.assertRegex(probe["job_name"], f"^(?:{probe_matcher})$", "SMTPProbeFailed must match the job")
        self.assertEqual(probe.get("params", {}).get("module"), ["smtp_ehlo"])
        relabel = probe["relabel_configs"]
        self.assertTrue(any(r.get("source_labels") == ["__address__"] and r.get("target_label") == "__param_target"
                            for r in relabel), "target address must become ?target=")
        self.assertTrue(any(r.get("target_label") == "instance" for r in relabel))
        address = [r for r in relabel if r.get("target_label") == "__address__"]
        self.assertEqual(len(address), 1)
        self.assertTrue(address[0]["replacement"].endswith(f":{EXPORTER_PORT}"))
        timeout = probe.get("scrape_timeout", config["global"].get("scrape_timeout", "10s"))
        self.assertGreater(int(timeout.rstrip("s")), 10, "/probe scrape_timeout must exceed the 10s probe timeout")


class AlertmanagerConfigTest(unittest.TestCase):
    def test_amtool_check_config(self):
        if not AMTOOL:
            self.skipTest("amtool not installed (Debian package prometheus-alertmanager)")
        result = run([AMTOOL, "check-config", ALERTMANAGER_CONFIG])
        self.assertEqual(result.returncode, 0, output_of(result))

    def test_routes_cover_both_severities(self):
        route = load_yaml(ALERTMANAGER_CONFIG)["route"]
        matchers = " ".join(m for r in route.get("routes", []) for m in r.get("matchers", []))
        for severity in ("critical", "warning"):
            self.assertIn(f'severity="{severity}"', matchers)


# ----------------------------------------------------------------------------------------------
class DashboardTest(unittest.TestCase):
    def test_dashboards_exist(self):
        names = {os.path.basename(p) for p in dashboard_files()}
        self.assertLessEqual({"smtp-overview.json", "smtp-target.json", "smtp-domain.json"}, names)

    def test_structure(self):
        uids = set()
        for path in dashboard_files():
            name = os.path.basename(path)
            d = load_dashboard(path)
            with self.subTest(dashboard=name):
                self.assertTrue(d.get("uid"), "uid must be set")
                self.assertLessEqual(len(d["uid"]), 40)
                self.assertNotIn(d["uid"], uids, "uids must be unique")
                uids.add(d["uid"])
                self.assertTrue(d.get("title"))
                self.assertGreaterEqual(d.get("schemaVersion", 0), 36, "Grafana 9/10 schema")
                self.assertIsNone(d.get("id"), "provisioned dashboards carry no database id")
                variables = {v["name"]: v for v in d["templating"]["list"]}
                self.assertEqual(variables["datasource"]["type"], "datasource")
                self.assertEqual(variables["datasource"]["query"], "prometheus")
                # A dashboard of one mail domain selects it as $domain, the others a $target.
                for var in ("job", "domain" if "domain" in variables else "target"):
                    self.assertEqual(variables[var]["type"], "query")
                    self.assertTrue(uses_datasource_variable(variables[var]["datasource"]), var)
                ids = [p["id"] for p in flat_panels(d)]
                self.assertEqual(len(ids), len(set(ids)), "panel ids must be unique")
                for panel in flat_panels(d):
                    where = f"panel {panel['id']} '{panel.get('title')}'"
                    gp = panel.get("gridPos", {})
                    self.assertTrue(gp and gp["x"] + gp["w"] <= 24, f"{where}: gridPos")
                    if panel["type"] in ("row", "text"):
                        continue
                    self.assertTrue(uses_datasource_variable(panel.get("datasource")), f"{where}: datasource")
                    self.assertTrue(panel.get("targets"), f"{where}: no targets")
                    for target in panel["targets"]:
                        self.assertTrue(target.get("expr", "").strip(), f"{where}: target without expr")
                        self.assertTrue(uses_datasource_variable(target.get("datasource")),
                                        f"{where}: target datasource")
                for ann in d.get("annotations", {}).get("list", []):
                    if ann.get("expr"):
                        self.assertTrue(uses_datasource_variable(ann.get("datasource")))

    def test_dashboards_show_what_they_promise(self):
        wanted = {
            "smtp-overview.json": ["smtp_probe_success", "smtp:probe_qos_latency:seconds", "smtp_qos_timeout_seconds",
                                   "smtp:ehlo_within_qos:ratio_rate30m", "smtp:probe_events:rate5m",
                                   "smtp:probe_failures:rate5m", "smtp:tls_cert_expiry:seconds"],
            "smtp-target.json": ["smtp_probe_phase_duration_seconds", "smtp_ehlo_duration_seconds_bucket",
                                 "histogram_quantile", "smtp_qos_timeout_seconds", "smtp_reply_code",
                                 "smtp_ehlo_extension_info", "smtp_tls_version_info", "smtp_tls_cipher_info",
                                 "smtp_tls_cert_verified", "smtp_probe_failures_total"],
            "smtp-domain.json": ["smtp_domain_success", "smtp_domain_mx_hosts", "smtp_domain_addresses_up",
                                 "smtp_domain_dns_failure", "smtp_domain_consistent", "smtp_mta_sts_mode",
                                 "smtp_mta_sts_fetch_success", "smtp_probe_success", "smtp:probe_qos_latency:seconds",
                                 "smtp_tls_cert_verified", "smtp:tls_cert_expiry:seconds", "smtp_dane_match",
                                 "smtp_mta_sts_mx_covered", "smtp_fcrdns_match"],
        }
        for name, needles in wanted.items():
            d = load_dashboard(os.path.join(DASHBOARDS_DIR, name))
            exprs = " ".join(e for _, e in dashboard_expressions(d))
            for needle in needles:
                self.assertIn(needle, exprs, f"{name} does not use {needle}")
        target = load_dashboard(os.path.join(DASHBOARDS_DIR, "smtp-target.json"))
        heatmaps = [p for p in flat_panels(target) if p["type"] == "heatmap"]
        self.assertTrue(heatmaps, "smtp-target.json needs a latency heatmap")
        self.assertTrue(all(t.get("format") == "heatmap" and "_bucket" in t["expr"]
                            for p in heatmaps for t in p["targets"]))
        stacked = [p for p in flat_panels(target) if "smtp_probe_phase_duration_seconds" in
                   " ".join(t.get("expr", "") for t in p.get("targets", []))
                   and p["type"] == "timeseries"]
        self.assertTrue(any(p["fieldConfig"]["defaults"].get("custom", {}).get("stacking", {}).get("mode") == "normal"
                            for p in stacked), "phase durations must be stacked")

    def test_only_contract_metrics_and_existing_recording_rules(self):
        records = {r["record"] for _, r in all_rules(load_rules()) if "record" in r}
        for path in dashboard_files():
            for where, expr in dashboard_expressions(load_dashboard(path)):
                raw, recorded = metric_names(expr)
                with self.subTest(dashboard=os.path.basename(path), where=where):
                    self.assertFalse(raw - CONTRACT_METRICS, "metric names outside the exporter's contract")
                    self.assertFalse(recorded - records, "recording rules missing in alerts/smtp_exporter.rules.yml")
                    self.assertFalse(contract_label_problems(expr))

    def test_promql_parses(self):
        """promtool 2.42 has no query parser command: check every expression as a recording rule."""
        if not PROMTOOL:
            self.skipTest("promtool not installed (Debian package prometheus)")
        rules, origin = [], {}
        for path in dashboard_files():
            for where, expr in dashboard_expressions(load_dashboard(path)):
                record = f"dashboard_expr_{len(rules)}"
                origin[record] = f"{os.path.basename(path)} {where}: {expr}"
                rules.append({"record": record, "expr": substitute_variables(expr)})
        self.assertGreater(len(rules), 20)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "dashboard_exprs.yml")
            with open(path, "w", encoding="utf-8") as f:
                yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, f, sort_keys=False)
            result = run([PROMTOOL, "check", "rules", path])
        out = result.stdout + result.stderr
        details = "\n".join(f"{k}: {v}" for k, v in origin.items() if re.search(rf"\b{k}\b", out))
        self.assertEqual(result.returncode, 0, output_of(result) + "\n" + details)

    def test_provisioning(self):
        providers = load_yaml(os.path.join(DASHBOARDS_DIR, "provisioning", "dashboards", "smtp.yml"))
        self.assertEqual(providers["apiVersion"], 1)
        provider = providers["providers"][0]
        self.assertEqual(provider["type"], "file")
        datasources = load_yaml(os.path.join(DASHBOARDS_DIR, "provisioning", "datasources", "prometheus.yml"))
        self.assertEqual(datasources["apiVersion"], 1)
        self.assertEqual(datasources["datasources"][0]["type"], "prometheus")
        # docker-compose.yml mounts the provisioning and the JSON files where the provider reads them.
        grafana = load_compose()["services"]["grafana"]
        mounts = {target: source for source, target in compose_mounts(grafana)}
        self.assertEqual(mounts.get(provider["options"]["path"]), DASHBOARDS_DIR)
        self.assertEqual(mounts.get("/etc/grafana/provisioning/dashboards"),
                         os.path.join(DASHBOARDS_DIR, "provisioning", "dashboards"))
        self.assertEqual(mounts.get("/etc/grafana/provisioning/datasources"),
                         os.path.join(DASHBOARDS_DIR, "provisioning", "datasources"))
        url = datasources["datasources"][0]["url"]
        self.assertRegex(url, r"^http://prometheus:9090/?$", "data source must reach the compose prometheus")


# ----------------------------------------------------------------------------------------------
class ComposeTest(unittest.TestCase):
    def test_services(self):
        services = load_compose()["services"]
        self.assertLessEqual({"smtp_exporter", "prometheus", "alertmanager", "grafana", "postfix", "dovecot"},
                             set(services))

    def test_exporter_service_matches_dockerfile_contract(self):
        exporter = load_compose()["services"]["smtp_exporter"]
        build = exporter["build"]
        self.assertEqual(os.path.normpath(os.path.join(DEPLOY, build["context"])), ROOT)
        self.assertEqual(build.get("dockerfile", "Dockerfile"), "Dockerfile")
        container_ports = {int(str(p).split(":")[-1].split("/")[0]) for p in exporter.get("ports", [])}
        self.assertIn(EXPORTER_PORT, container_ports)
        mounts = {target: source for source, target in compose_mounts(exporter)}
        self.assertIn(CONFIG_PATH, mounts)
        self.assertTrue(os.path.isfile(mounts[CONFIG_PATH]))
        config = load_yaml(mounts[CONFIG_PATH])
        services = set(load_compose()["services"])
        for target in config["targets"]:
            self.assertIn(target["address"].rsplit(":", 1)[0], services, "demo targets are compose services")
        # The demo mail loop goes in at the demo postfix and is found in the demo Dovecot.
        self.assertTrue(config.get("loops"), "the demo runs a mail loop")
        for loop in config["loops"]:
            self.assertIn(loop["send"]["address"].rsplit(":", 1)[0], services)
            self.assertIn(loop["receive"]["imap"]["address"].rsplit(":", 1)[0], services)

    def test_dockerfile_contract(self):
        if not os.path.isfile(DOCKERFILE):
            self.skipTest("no Dockerfile in the repository yet; compose checked against the contract only")
        with open(DOCKERFILE, encoding="utf-8") as f:
            text = f.read()
        exposed = re.findall(r"(?im)^\s*EXPOSE\s+(.+)$", text)
        self.assertIn(str(EXPORTER_PORT), " ".join(exposed).replace("/tcp", "").split())
        self.assertIn(CONFIG_PATH, text)

    def test_bind_mounts_exist(self):
        for name, service in load_compose()["services"].items():
            for source, target in compose_mounts(service):
                if source.startswith("/"):
                    with self.subTest(service=name, target=target):
                        self.assertTrue(os.path.exists(source), f"{source} missing")
            build = service.get("build")
            if build:
                context = os.path.join(DEPLOY, build["context"] if isinstance(build, dict) else build)
                dockerfile = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
                if name != "smtp_exporter":  # its Dockerfile is checked in test_dockerfile_contract
                    self.assertTrue(os.path.isfile(os.path.join(context, dockerfile)), name)

    def test_rules_mounted_where_prometheus_config_expects_them(self):
        service = load_compose()["services"]["prometheus"]
        mounts = {target: source for source, target in compose_mounts(service)}
        self.assertEqual(mounts.get("/etc/prometheus/prometheus.yml"), PROMETHEUS_CONFIG)
        for rel in load_yaml(PROMETHEUS_CONFIG)["rule_files"]:
            container_path = os.path.normpath(os.path.join("/etc/prometheus", rel))
            self.assertEqual(mounts.get(container_path), RULES_FILE)
        am = load_compose()["services"]["alertmanager"]
        self.assertIn(ALERTMANAGER_CONFIG, [s for s, _ in compose_mounts(am)])


# ----------------------------------------------------------------------------------------------
class KubernetesTest(unittest.TestCase):
    def setUp(self):
        self.docs = load_k8s_documents()
        self.by_kind = {}
        for _file, doc in self.docs:
            self.by_kind.setdefault(doc["kind"], []).append(doc)

    def test_kinds(self):
        for kind in ("Deployment", "Service", "ConfigMap", "ServiceMonitor", "PrometheusRule", "Probe"):
            self.assertIn(kind, self.by_kind, f"no {kind} in deploy/kubernetes/")

    def test_kustomization_lists_every_file(self):
        kustomization = load_yaml(os.path.join(K8S_DIR, "kustomization.yaml"))
        files = {f for f, d in self.docs if d["kind"] != "Kustomization"}
        self.assertEqual(set(kustomization["resources"]), files)

    def test_deployment_matches_contract(self):
        deployment = self.by_kind["Deployment"][0]
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        ports = {p["containerPort"]: p.get("name") for p in container["ports"]}
        self.assertIn(EXPORTER_PORT, ports)
        mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
        config_dir, config_file = os.path.split(CONFIG_PATH)
        self.assertIn(config_dir, mounts)
        volume = next(v for v in pod["volumes"] if v["name"] == mounts[config_dir])
        configmap = next(c for c in self.by_kind["ConfigMap"] if c["metadata"]["name"] == volume["configMap"]["name"])
        config = yaml.safe_load(configmap["data"][config_file])
        self.assertTrue(config["targets"])
        self.assertTrue(container.get("securityContext", {}).get("readOnlyRootFilesystem"))
        # Service -> pod port, ServiceMonitor -> Service port.
        service = self.by_kind["Service"][0]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        self.assertLessEqual(service["spec"]["selector"].items(), labels.items())
        service_port = service["spec"]["ports"][0]
        self.assertEqual(service_port["port"], EXPORTER_PORT)
        self.assertIn(service_port["targetPort"], (EXPORTER_PORT, ports[EXPORTER_PORT]))
        monitor = self.by_kind["ServiceMonitor"][0]
        self.assertLessEqual(monitor["spec"]["selector"]["matchLabels"].items(), service["metadata"]["labels"].items())
        self.assertEqual(monitor["spec"]["endpoints"][0]["port"], service_port["name"])
        # The ServiceMonitor's job label is the Service name; SMTPExporterDown must match it.
        self.assertRegex(service["metadata"]["name"], f"^(?:{alert_job_regex('SMTPExporterDown', 'up')})$")

    def test_probe(self):
        probe = self.by_kind["Probe"][0]["spec"]
        self.assertEqual(probe["prober"]["path"], "/probe")
        self.assertTrue(probe["prober"]["url"].endswith(f":{EXPORTER_PORT}"))
        self.assertEqual(probe["module"], "smtp_ehlo")
        self.assertTrue(probe["targets"]["staticConfig"]["static"])

    def test_prometheusrule_embeds_the_rules(self):
        rule = self.by_kind["PrometheusRule"][0]
        self.assertEqual(rule["spec"], load_rules(), "prometheusrule.yaml is stale: run make-prometheusrule.sh")

    def test_prometheusrule_is_the_generator_output(self):
        script = os.path.join(K8S_DIR, "make-prometheusrule.sh")
        self.assertTrue(os.access(script, os.X_OK), "make-prometheusrule.sh must be executable")
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "prometheusrule.yaml")
            result = run(["bash", script, RULES_FILE, out])
            self.assertEqual(result.returncode, 0, output_of(result))
            with open(out, encoding="utf-8") as a, open(os.path.join(K8S_DIR, "prometheusrule.yaml"), encoding="utf-8") as b:
                self.assertEqual(a.read(), b.read(), "prometheusrule.yaml is stale: run make-prometheusrule.sh")


# ----------------------------------------------------------------------------------------------
class SystemdTest(unittest.TestCase):
    def directives(self):
        values = {}
        with open(SYSTEMD_UNIT, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith(("#", ";", "[")) and "=" in line:
                    key, value = line.split("=", 1)
                    values.setdefault(key.strip(), []).append(value.strip())
        return values

    def test_hardening_and_contract(self):
        d = self.directives()
        for key, value in (("DynamicUser", "yes"), ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                           ("ExecReload", "/bin/kill -HUP $MAINPID"), ("ProtectHome", "yes"), ("PrivateTmp", "yes")):
            self.assertIn(value, d.get(key, []), key)
        exec_start = d["ExecStart"][0].split()
        self.assertEqual(exec_start[0], BINARY_PATH)
        self.assertIn(f"--config.file={CONFIG_PATH}", exec_start)

    def test_systemd_analyze_verify(self):
        if not SYSTEMD_ANALYZE:
            self.skipTest("systemd-analyze not installed")
        with tempfile.TemporaryDirectory() as tmp:
            unit = os.path.join(tmp, "smtp_exporter.service")
            with open(SYSTEMD_UNIT, encoding="utf-8") as f:
                # The binary is not installed here; verify everything else.
                text = re.sub(r"(?m)^ExecStart=\S+", "ExecStart=/bin/true", f.read())
            with open(unit, "w", encoding="utf-8") as f:
                f.write(text)
            result = run([SYSTEMD_ANALYZE, "verify", unit], cwd=tmp)
        complaints = [l for l in (result.stdout + result.stderr).splitlines() if "smtp_exporter.service" in l]
        self.assertEqual(result.returncode, 0, output_of(result))
        self.assertEqual(complaints, [], output_of(result))


if __name__ == "__main__":
    # argv[1] (the exporter binary that ctest passes) is not needed.
    unittest.main(argv=[sys.argv[0], "-v"])
