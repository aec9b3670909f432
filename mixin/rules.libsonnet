// The recording rules: shared by the alerts (alerts.libsonnet) and the dashboards. Only these
// read the exporter's raw series through _config.exporterSelector; what they record keeps the
// series' labels.
{
  local config = $._config,

  // Share of probes that were not 5510 (the "bad" events) over a window.
  local qosErrorRatio(window) = {
    record: 'smtp:probe_qos_errors:ratio_rate' + window,
    expr: |||
      sum without (event) (rate(smtp_probe_events_total{%(selector)s, event!="5510"}[%(window)s]))
      /
      sum without (event) (rate(smtp_probe_events_total{%(selector)s}[%(window)s]))
    ||| % { selector: config.exporterSelector, window: window },
  },

  // Share of EHLO latencies within the QoS time, from the histogram. The bucket whose `le`
  // equals the target's QoS time is picked by turning the value of smtp_qos_timeout_seconds
  // into an `le` label (count_values), so modules with different QoS times need no edits. The
  // second branch matches Prometheus 3, which writes integral `le` values as "2.0". Only probes
  // that got a final 250 are in the histogram; failed probes are in the error ratios.
  local withinQoSRatio(window) = {
    record: 'smtp:ehlo_within_qos:ratio_rate' + window,
    expr: |||
      sum without (le) (
          rate(smtp_ehlo_duration_seconds_bucket{%(selector)s}[%(window)s])
        and
          (
              count_values without () ("le", smtp_qos_timeout_seconds{%(selector)s})
            or
              label_replace(count_values without () ("le", smtp_qos_timeout_seconds{%(selector)s}), "le", "$1.0", "le", "([0-9]+)")
          )
      )
      /
      rate(smtp_ehlo_duration_seconds_count{%(selector)s}[%(window)s])
    ||| % { selector: config.exporterSelector, window: window },
  },

  prometheusRules+:: {
    groups+: [
      {
        name: 'smtp_exporter.recording',
        rules: [
          // ELM events (5510 within QoS, 5511 within 2 x QoS, 5509 failed) per second.
          {
            record: 'smtp:probe_events:rate5m',
            expr: 'rate(smtp_probe_events_total{%(exporterSelector)s}[5m])' % config,
          },
          {
            record: 'smtp:probe_failures:rate5m',
            expr: 'rate(smtp_probe_failures_total{%(exporterSelector)s}[5m])' % config,
          },
        ]
        // The windows of the burn-rate alerts (and the dashboards' burn-rate panels).
        + [qosErrorRatio(w) for w in config.burnRateWindowNames]
        + [withinQoSRatio('5m'), withinQoSRatio('30m')]
        + [
          // EHLO latency quantile.
          {
            record: 'smtp:ehlo_duration_seconds:p95_rate30m',
            expr: 'histogram_quantile(0.95, rate(smtp_ehlo_duration_seconds_bucket{%(exporterSelector)s}[30m]))' % config,
          },
          // The last probe's QoS latency (connect start to the final 250 of EHLO), from the phases.
          {
            record: 'smtp:probe_qos_latency:seconds',
            expr: 'sum without (phase) (smtp_probe_phase_duration_seconds{%(exporterSelector)s, phase=~"connect|greeting|ehlo"})' % config,
          },
          // Seconds until the first certificate the server presents (leaf or chain) expires.
          {
            record: 'smtp:tls_cert_expiry:seconds',
            expr: |||
              min without (cert) (
                  label_replace(smtp_tls_cert_not_after_timestamp_seconds{%(exporterSelector)s} > 0, "cert", "leaf", "", "")
                or
                  label_replace(smtp_tls_chain_not_after_timestamp_seconds{%(exporterSelector)s} > 0, "cert", "chain", "", "")
              )
              - time()
            ||| % config,
          },
        ],
      },
    ],
  },
}
