// What a user of the mixin tunes. Override in your own jsonnet:
//   (import 'smtp_exporter/mixin.libsonnet') + { _config+:: { exporterSelector: 'job="mail"' } }
// The rendered files in alerts/ and dashboards/ use these defaults.
{
  _config+:: {
    // Series of the exporter's own /metrics (its targets, domains and loops), and the
    // exporter's `up`: the job "smtp_exporter" of deploy/prometheus/prometheus.yml and
    // "smtp-exporter", the Service name the ServiceMonitor in deploy/kubernetes/ gives.
    exporterSelector: 'job=~"smtp[-_]exporter"',
    // Series of blackbox-style probing through /probe (the job "smtp_probe" in both deploys).
    probeSelector: 'job=~"smtp[-_]probe"',

    // QoS objective: the share of probes that must end in ELM event 5510 (the final 250 to EHLO
    // within the QoS time), over an SLO period of sloPeriodDays. Error budget = 1 - objective.
    sloObjective: 0.99,
    sloPeriodDays: 30,
    // SMTPQoSDegraded fires when the share of EHLO latencies within the QoS time (30m) is below.
    qosShareObjective: 0.95,
    // SMTPProbesStale fires when a target's last probe finished longer ago than this: 3 default
    // intervals (3 x 30s) + 30s for scrape and probe. Raise it to 3 x your longest interval + 30s.
    probeStaleThresholdSeconds: 120,

    // Burn-rate alerts (Google SRE workbook, "Alerting on SLOs", multiwindow, multi-burn-rate):
    // SMTPQoSBudgetBurn fires with `severity` when the error ratio over both `long` and `short`
    // exceeds factor x the budget. The defaults are the workbook's for a 30-day period: page on
    // 2% of the budget spent in 1h, ticket on 5% in 6h. A recording rule
    // smtp:probe_qos_errors:ratio_rate<window> is written for every window named here.
    burnRateWindows: [
      { severity: 'critical', factor: 14.4, long: '1h', short: '5m', 'for': '2m' },
      { severity: 'warning', factor: 6, long: '6h', short: '30m', 'for': '15m' },
    ],

    // Derived, for texts: not meant to be overridden.
    sloObjectivePercent: '%g%%' % (self.sloObjective * 100),
    qosShareObjectivePercent: '%g%%' % (self.qosShareObjective * 100),
    burnRateWindowNames: std.set(std.flattenArrays([[w.long, w.short] for w in self.burnRateWindows]),
                                 function(w) windowSeconds(w)),
  },

  local windowSeconds(w) =
    local units = { s: 1, m: 60, h: 3600, d: 86400 };
    std.parseInt(std.substr(w, 0, std.length(w) - 1)) * units[w[std.length(w) - 1]],
}
