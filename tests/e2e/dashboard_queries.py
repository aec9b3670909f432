"""Runs every query of a Grafana dashboard against a real Prometheus, the way Grafana would.

    import dashboard_queries
    results = dashboard_queries.run_dashboard_queries(
        "http://127.0.0.1:9090", "dashboards/smtp-domain.json", {"job": "smtp_exporter", "domain": "example.test"})
    for r in results:
        print(r["where"], r["data"], r["error"], r["query"])

Template variables are resolved in the dashboard's order, each from its own query's answer (through
/api/v1/series and /api/v1/label/<name>/values, which must agree), then every panel target (as an
instant and/or range query, as its `instant`/`range` flags say), and every annotation query (a
range query with its `step`) is run with the variables substituted as Grafana's Prometheus data
source does (its escaping for single- and multi-value variables, Grafana's built-in $__interval,
$__rate_interval and $__range for the default time range now-6h).

Standard library only (no prometheus_client), so that any test can import it. Used by
test_alerting_live.py (address targets) and test_domains.py (domain targets).
"""
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request

# Grafana's built-in variables, as Grafana fills them for the dashboards' default time range
# (now-6h): $__interval = 6h / ~1000 points, rounded (20s); $__rate_interval =
# max($__interval + 15s (Grafana's default scrape interval), 4 x 15s) = 1m.
RANGE_SECONDS = 6 * 3600
STEP_SECONDS = 20


def builtins(range_seconds=RANGE_SECONDS, step_seconds=STEP_SECONDS):
    return {
        "__range": f"{range_seconds}s", "__range_s": str(range_seconds), "__range_ms": str(range_seconds * 1000),
        "__interval": f"{step_seconds}s", "__interval_ms": str(step_seconds * 1000),
        "__rate_interval": "1m",
    }


BUILTINS = builtins()

# What Grafana writes for a variable without any value (its "None" option).
NONE_VALUE = ""
ALL_VALUE = "$__all"


# ---------------------------------------------------------------------------------------------
# Grafana's variable interpolation for the Prometheus data source.
def prometheus_regular_escape(value):
    return value.replace("\\", "\\\\").replace("'", "\\'")


def prometheus_special_regex_escape(value):
    value = prometheus_regular_escape(value).replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), value)


def format_variable(var, values):
    """What Grafana writes for `var` holding `values` (a list) into a PromQL query."""
    if not var.get("multi") and not var.get("includeAll"):
        return prometheus_regular_escape(values[0])
    escaped = [prometheus_special_regex_escape(v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def interpolate(text, values):
    """Replaces $name, ${name}, ${name:fmt} and [[name]]; an unknown variable is an error."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        if name not in values:
            raise KeyError(f"unknown Grafana variable ${name} in: {text}")
        return values[name]
    return re.sub(r"\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)\]\]|\$(\w+)", repl, text)


def flat_panels(panels):
    for p in panels or []:
        yield p
        yield from flat_panels(p.get("panels"))


def seconds(duration):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    for n, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)", duration):
        total += float(n) * units[unit]
    return total


# ---------------------------------------------------------------------------------------------
class QueryError(Exception):
    pass


class Prometheus:
    """The few calls of Prometheus' HTTP API that Grafana makes."""

    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def api(self, path, **params):
        """GET /api/v1/<path>; returns the `data` of a successful answer, raises QueryError."""
        url = f"{self.base_url}/api/v1/{path}?{urllib.parse.urlencode(params, doseq=True)}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:
                status, body = resp.status, resp.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode()
        except OSError as e:
            raise QueryError(f"{path}: {e}") from e
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        if status != 200 or not doc or doc.get("status") != "success":
            raise QueryError(f"HTTP {status}: {body[:500]}")
        return doc["data"]

    def query(self, expr, kind, start, end, step):
        """Runs one query (kind "instant" at `end`, or "range"); returns whether it returned data."""
        if kind == "instant":
            data = self.api("query", query=expr, time=f"{end:.3f}")
        else:
            # end - start is a whole number of steps, so the last point is at `end`.
            data = self.api("query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=str(step))
        if data["resultType"] == "matrix":
            return any(series.get("values") for series in data["result"])
        if data["resultType"] == "vector":
            return bool(data["result"])
        return True  # scalar, string

    def variable_values(self, query, start, end):
        """The values Grafana offers for a template variable query. label_values(selector, label)
        is asked both ways Grafana asks Prometheus (series API and label values API), which must
        agree."""
        m = re.fullmatch(r"\s*label_values\((.+),\s*([A-Za-z_]\w*)\s*\)\s*", query)
        if m:
            selector, label = m.group(1), m.group(2)
            span = {"match[]": selector, "start": f"{start:.3f}", "end": f"{end:.3f}"}
            from_series = {s[label] for s in self.api("series", **span) if label in s}
            from_labels = set(self.api(f"label/{label}/values", **span))
            if from_series != from_labels:
                raise QueryError(f"series API {sorted(from_series)} and label values API {sorted(from_labels)} "
                                 "disagree")
            return from_series
        m = re.fullmatch(r"\s*label_values\(\s*([A-Za-z_]\w*)\s*\)\s*", query)
        if m:
            return set(self.api(f"label/{m.group(1)}/values", start=f"{start:.3f}", end=f"{end:.3f}"))
        m = re.fullmatch(r"\s*query_result\((.+)\)\s*", query)
        expr = m.group(1) if m else query
        return {json.dumps(r.get("metric")) for r in self.api("query", query=expr, time=f"{end:.3f}")["result"]}


def _result(where, kind, written, query, data, error=None, **extra):
    return {"where": where, "kind": kind, "written": written, "query": query, "data": data, "error": error, **extra}


def _chosen(var, wanted, found):
    """(values Grafana holds for `var`, error): `wanted` (a value or list; ALL_VALUE for All), or
    Grafana's default, the first value offered; without any value, All if the variable has it,
    else None (an empty value)."""
    if not found:
        if var.get("includeAll"):
            return [ALL_VALUE], None
        return [NONE_VALUE], None
    if wanted is None:
        return [sorted(found)[0]], None
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    if wanted == [ALL_VALUE] and var.get("includeAll"):
        return wanted, None
    missing = [w for w in wanted if w not in found]
    if missing:
        return wanted, f"{missing} not among the values offered: {sorted(found)}"
    return wanted, None


def _format(var, chosen, found):
    if chosen == [ALL_VALUE]:
        if var.get("allValue"):
            return var["allValue"]
        chosen = sorted(found) or [NONE_VALUE]
        return format_variable(dict(var, multi=True), chosen)
    return format_variable(var, chosen)


def run_dashboard_queries(prometheus_url, dashboard, variables=None, *, now=None,
                          range_seconds=RANGE_SECONDS, step_seconds=STEP_SECONDS, timeout=30):
    """Every query of `dashboard` (a path to its JSON, or the parsed dict) run against the
    Prometheus at `prometheus_url`, with Grafana's variables substituted.

    variables: {name: value or [values]} picks a template variable's value(s) (ALL_VALUE for All);
    a variable not listed gets the first value its query offers, as in Grafana; one whose query
    offers nothing gets All (if it has it) or an empty value (Grafana's None).

    Returns one dict per variable query, panel target and annotation query, in dashboard order:
      where    "<file> panel 12 'Title' A", "<file> variable $domain", "<file> annotation 'Name'"
      kind     "variable" | "panel" | "annotation"
      written  the query as written in the dashboard
      query    the query as sent (variables substituted)
      data     whether it returned data (a variable: whether it offered any value)
      error    None, or why it failed (HTTP error, parse error, unknown variable, a wanted value
               that is not offered, series and label values APIs disagreeing)
    Variables also carry `values` (sorted, what was offered) and `value` (what was substituted).
    """
    if isinstance(dashboard, str):
        name = os.path.basename(dashboard)
        with open(dashboard, encoding="utf-8") as f:
            dashboard = json.load(f)
    else:
        name = dashboard.get("uid", "dashboard")
    variables = dict(variables or {})
    prom = Prometheus(prometheus_url, timeout)
    end = time.time() if now is None else now
    start = end - range_seconds
    values = builtins(range_seconds, step_seconds)
    results = []

    # Template variables in order; each one's value comes from its query's answer.
    for var in dashboard.get("templating", {}).get("list", []):
        vname = var["name"]
        if var.get("type") == "datasource":
            values[vname] = "prometheus"  # only used in datasource fields, never in PromQL
            continue
        if var.get("type") != "query":
            continue
        where = f"{name} variable ${vname}"
        written = var.get("query")
        if isinstance(written, dict):
            written = written.get("query", "")
        query, found, error = written, set(), None
        try:
            query = interpolate(written, values)
            found = prom.variable_values(query, start, end)
        except (QueryError, KeyError) as e:
            error = str(e)
        chosen, choice_error = _chosen(var, variables.get(vname), found)
        values[vname] = _format(var, chosen, found)
        results.append(_result(where, "variable", written, query, bool(found), error or choice_error,
                               values=sorted(found), value=values[vname]))

    def run(where, kind, written, kinds, step):
        data, error, query = False, None, written
        try:
            query = interpolate(written, values)
            for k in kinds:
                data |= prom.query(query, k, start, end, step)
        except (QueryError, KeyError) as e:
            error = str(e)
        results.append(_result(where, kind, written, query, data, error))

    for panel in flat_panels(dashboard.get("panels")):
        for target in panel.get("targets") or []:
            if not target.get("expr"):
                continue
            kinds = []
            if target.get("instant"):
                kinds.append("instant")
            if target.get("range") or not target.get("instant"):
                kinds.append("range")
            run(f"{name} panel {panel.get('id')} '{panel.get('title')}' {target.get('refId')}", "panel",
                target["expr"], kinds, step_seconds)

    for ann in dashboard.get("annotations", {}).get("list", []):
        if ann.get("expr"):
            run(f"{name} annotation '{ann.get('name')}'", "annotation", ann["expr"], ["range"],
                seconds(ann.get("step") or f"{step_seconds}s"))
    return results
