// The dashboard "SMTP / Target": plain dashboard JSON written as jsonnet; the values that follow
// _config are expressions of p (dashboards.libsonnet).
function(p) {
  uid: "smtp-target",
  title: "SMTP / Target",
  description: "One SMTP server probed by smtp_exporter: phases, latency against the QoS time, replies, TLS, failures.",
  tags: [
    "smtp",
    "smtp_exporter",
  ],
  editable: true,
  fiscalYearStartMonth: 0,
  graphTooltip: 1,
  liveNow: false,
  refresh: "1m",
  schemaVersion: 37,
  version: 1,
  style: "dark",
  timezone: "browser",
  weekStart: "",
  time: {
    from: "now-6h",
    to: "now",
  },
  timepicker: {
    refresh_intervals: [
      "30s",
      "1m",
      "5m",
      "15m",
      "1h",
    ],
  },
  templating: {
    list: [
      {
        name: "datasource",
        label: "Data source",
        type: "datasource",
        query: "prometheus",
        current: {},
        hide: 0,
        includeAll: false,
        multi: false,
        options: [],
        refresh: 1,
        regex: "",
        skipUrlSync: false,
      },
      {
        name: "job",
        label: "Job",
        type: "query",
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_probe_success{%(exporterSelector)s}, job)" % p,
        query: "label_values(smtp_probe_success{%(exporterSelector)s}, job)" % p,
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        multi: true,
        includeAll: true,
        options: [],
        skipUrlSync: false,
        allValue: ".*",
        current: {
          selected: true,
          text: [
            "All",
          ],
          value: [
            "$__all",
          ],
        },
      },
      {
        name: "target",
        label: "Target",
        type: "query",
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_probe_success{job=~\"$job\"}, target)",
        query: "label_values(smtp_probe_success{job=~\"$job\"}, target)",
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        multi: false,
        includeAll: false,
        options: [],
        skipUrlSync: false,
        current: {},
      },
      {
        name: "module",
        label: "Module",
        type: "query",
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_probe_success{job=~\"$job\",target=\"$target\"}, module)",
        query: "label_values(smtp_probe_success{job=~\"$job\",target=\"$target\"}, module)",
        refresh: 2,
        regex: "",
        sort: 1,
        hide: 0,
        multi: true,
        includeAll: true,
        options: [],
        skipUrlSync: false,
        allValue: ".*",
        current: {
          selected: true,
          text: [
            "All",
          ],
          value: [
            "$__all",
          ],
        },
      },
    ],
  },
  annotations: {
    list: [
      {
        builtIn: 1,
        datasource: {
          type: "grafana",
          uid: "-- Grafana --",
        },
        enable: true,
        hide: true,
        iconColor: "rgba(0, 211, 255, 1)",
        name: "Annotations & Alerts",
        type: "dashboard",
      },
      {
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        enable: true,
        hide: false,
        iconColor: "red",
        name: "SMTP alerts",
        expr: "ALERTS{alertstate=\"firing\",alertname=~\"SMTP.*\",target=\"$target\"}",
        step: "1m",
        titleFormat: "{{alertname}} ({{severity}})",
        textFormat: "{{target}} {{module}}",
        tagKeys: "severity,target",
        useValueForTime: false,
      },
    ],
  },
  links: [
    {
      title: "SMTP overview",
      type: "link",
      url: "/d/smtp-overview/smtp-overview?${datasource:queryparam}&${job:queryparam}&${__url_time_range}",
      icon: "dashboard",
      tooltip: "All targets",
      targetBlank: false,
      asDropdown: false,
      includeVars: false,
      keepTime: false,
      tags: [],
    },
    {
      title: "SMTP mail domain",
      type: "link",
      url: "/d/smtp-domain/smtp-mail-domain?${datasource:queryparam}&${job:queryparam}&${__url_time_range}",
      icon: "dashboard",
      tooltip: "One mail domain: its MX pool, MTA-STS, DANE",
      targetBlank: false,
      asDropdown: false,
      includeVars: false,
      keepTime: false,
      tags: [],
    },
  ],
  panels: [
    {
      type: "row",
      id: 1,
      title: "Now",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 0,
      },
    },
    {
      id: 2,
      type: "stat",
      title: "Probe",
      description: "Last probe passed every check within 2 x QoS (smtp_probe_success).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 0,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_probe_success{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "DOWN",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "UP",
                  color: "green",
                  index: 1,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "green",
                value: 1,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 3,
      type: "stat",
      title: "EHLO",
      description: "A final 250 to EHLO (or HELO) came within 2 x QoS (smtp_ehlo_success).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 3,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_ehlo_success{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "NO 250",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "250",
                  color: "green",
                  index: 1,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "green",
                value: 1,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 4,
      type: "stat",
      title: "Last QoS latency",
      description: "Connect start to the final 250 of EHLO in the last probe (sum of the connect, greeting and ehlo phases).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 4,
        x: 6,
        y: 1,
      },
      targets: [
        {
          expr: "smtp:probe_qos_latency:seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "blue",
                value: null,
              },
            ],
          },
          unit: "s",
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
      },
    },
    {
      id: 5,
      type: "stat",
      title: "QoS time",
      description: "The module's QoS time (smtp_qos_timeout_seconds); 2 x this is the limit for a 5511.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 10,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_qos_timeout_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "blue",
                value: null,
              },
            ],
          },
          unit: "s",
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 6,
      type: "stat",
      title: "Within QoS (30m)",
      description: "Share of EHLO replies within the QoS time over 30m (histogram bucket at the QoS time).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 4,
        x: 13,
        y: 1,
      },
      targets: [
        {
          expr: "smtp:ehlo_within_qos:ratio_rate30m{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "orange",
                value: p.qosShareObjective,
              },
              {
                color: "green",
                value: p.sloObjective,
              },
            ],
          },
          unit: "percentunit",
          decimals: 2,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "area",
        justifyMode: "auto",
      },
    },
    {
      id: 7,
      type: "stat",
      title: "Last probe",
      description: "Seconds since the last probe finished.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 17,
        y: 1,
      },
      targets: [
        {
          expr: "time() - smtp_probe_last_run_timestamp_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 120,
              },
            ],
          },
          unit: "s",
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 8,
      type: "stat",
      title: "HELO fallback",
      description: "The server refused EHLO and the probe fell back to HELO (smtp_helo_fallback).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 4,
        x: 20,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_helo_fallback{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "EHLO",
                  color: "green",
                  index: 0,
                },
                "1": {
                  text: "HELO",
                  color: "orange",
                  index: 1,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 1,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      type: "row",
      id: 9,
      title: "Latency",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 5,
      },
    },
    {
      id: 10,
      type: "timeseries",
      title: "Phase durations (last probe)",
      description: "Seconds each phase of the last probe took, stacked: resolve, connect, greeting, ehlo, quit (and starttls, tls with TLS modules).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 9,
        w: 12,
        x: 0,
        y: 6,
      },
      targets: [
        {
          expr: "smtp_probe_phase_duration_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{phase}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "s",
          min: 0,
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 40,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "normal",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "list",
          placement: "bottom",
          showLegend: true,
          calcs: [],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
    {
      id: 11,
      type: "heatmap",
      title: "QoS latency heatmap",
      description: "Probes per latency bucket (smtp_ehlo_duration_seconds: connect start to final 250 of EHLO). The bucket bounds include the QoS time and 2 x the QoS time.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 9,
        w: 12,
        x: 12,
        y: 6,
      },
      targets: [
        {
          expr: "sum by (le) (increase(smtp_ehlo_duration_seconds_bucket{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__rate_interval]))",
          legendFormat: "{{le}}",
          format: "heatmap",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          custom: {
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            scaleDistribution: {
              type: "linear",
            },
          },
        },
        overrides: [],
      },
      options: {
        calculate: false,
        cellGap: 1,
        cellValues: {
          unit: "short",
        },
        color: {
          mode: "scheme",
          scheme: "Oranges",
          fill: "dark-orange",
          scale: "exponential",
          exponent: 0.5,
          steps: 64,
          reverse: false,
        },
        exemplars: {
          color: "rgba(255,0,255,0.7)",
        },
        filterValues: {
          le: 1e-09,
        },
        legend: {
          show: true,
        },
        rowsFrame: {
          layout: "auto",
        },
        tooltip: {
          show: true,
          yHistogram: false,
        },
        yAxis: {
          axisPlacement: "left",
          reverse: false,
          unit: "s",
        },
      },
    },
    {
      id: 12,
      type: "timeseries",
      title: "QoS latency quantiles vs QoS",
      description: "Quantiles of the QoS latency from the histogram, against the QoS time (5510 below) and 2 x QoS (5511 below, 5509 above). SMTPEHLOSlow fires when p95 over 30m stays above the QoS time.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 9,
        w: 24,
        x: 0,
        y: 15,
      },
      targets: [
        {
          expr: "histogram_quantile(0.5, sum by (le) (rate(smtp_ehlo_duration_seconds_bucket{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__rate_interval])))",
          legendFormat: "p50",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "histogram_quantile(0.95, sum by (le) (rate(smtp_ehlo_duration_seconds_bucket{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__rate_interval])))",
          legendFormat: "p95",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "histogram_quantile(0.99, sum by (le) (rate(smtp_ehlo_duration_seconds_bucket{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__rate_interval])))",
          legendFormat: "p99",
          refId: "C",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "max(smtp_qos_timeout_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"})",
          legendFormat: "QoS",
          refId: "D",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "2 * max(smtp_qos_timeout_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"})",
          legendFormat: "2 x QoS",
          refId: "E",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "s",
          min: 0,
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 0,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "none",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "QoS",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "orange",
                },
              },
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dash",
                  dash: [
                    10,
                    10,
                  ],
                },
              },
              {
                id: "custom.fillOpacity",
                value: 0,
              },
              {
                id: "custom.lineWidth",
                value: 2,
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "2 x QoS",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "red",
                },
              },
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dash",
                  dash: [
                    10,
                    10,
                  ],
                },
              },
              {
                id: "custom.fillOpacity",
                value: 0,
              },
              {
                id: "custom.lineWidth",
                value: 2,
              },
            ],
          },
        ],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "right",
          showLegend: true,
          calcs: [
            "lastNotNull",
            "max",
          ],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
    },
    {
      id: 13,
      type: "timeseries",
      title: "ELM events",
      description: "Probe outcomes per interval: 5510 within QoS, 5511 within 2 x QoS, 5509 failed.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 24,
      },
      targets: [
        {
          expr: "sum by (event) (increase(smtp_probe_events_total{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__rate_interval]))",
          legendFormat: "{{event}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "short",
          min: 0,
          decimals: 0,
          custom: {
            drawStyle: "bars",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 80,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "normal",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "5510",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "green",
                },
              },
              {
                id: "displayName",
                value: "5510 within QoS",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "5511",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "orange",
                },
              },
              {
                id: "displayName",
                value: "5511 QoS warning (within 2 x QoS)",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "5509",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "red",
                },
              },
              {
                id: "displayName",
                value: "5509 failed",
              },
            ],
          },
        ],
      },
      options: {
        legend: {
          displayMode: "list",
          placement: "bottom",
          showLegend: true,
          calcs: [],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
    {
      id: 14,
      type: "timeseries",
      title: "QoS error ratio (burn-rate windows)",
      description: "Share of probes that were not ELM 5510 over the windows SMTPQoSBudgetBurn uses. Page: 1h and 5m above the page line; ticket: 6h and 30m above the ticket line.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 24,
      },
      targets: [
        {
          expr: "smtp:probe_qos_errors:ratio_rate%(pageShort)s{job=~\"$job\",target=\"$target\",module=~\"$module\"}" % p,
          legendFormat: "%(pageShort)s" % p,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "smtp:probe_qos_errors:ratio_rate%(ticketShort)s{job=~\"$job\",target=\"$target\",module=~\"$module\"}" % p,
          legendFormat: "%(ticketShort)s" % p,
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "smtp:probe_qos_errors:ratio_rate%(pageLong)s{job=~\"$job\",target=\"$target\",module=~\"$module\"}" % p,
          legendFormat: "%(pageLong)s" % p,
          refId: "C",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "smtp:probe_qos_errors:ratio_rate%(ticketLong)s{job=~\"$job\",target=\"$target\",module=~\"$module\"}" % p,
          legendFormat: "%(ticketLong)s" % p,
          refId: "D",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "%(pageFactor)g * (1 - %(sloObjective)g)" % p,
          legendFormat: "page (%(pageFactor)gx budget)" % p,
          refId: "E",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "%(ticketFactor)g * (1 - %(sloObjective)g)" % p,
          legendFormat: "ticket (%(ticketFactor)gx budget)" % p,
          refId: "F",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "percentunit",
          min: 0,
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 0,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "none",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "page (%(pageFactor)gx budget)" % p,
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "red",
                },
              },
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dash",
                  dash: [
                    10,
                    10,
                  ],
                },
              },
              {
                id: "custom.fillOpacity",
                value: 0,
              },
              {
                id: "custom.lineWidth",
                value: 2,
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "ticket (%(ticketFactor)gx budget)" % p,
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "orange",
                },
              },
              {
                id: "custom.lineStyle",
                value: {
                  fill: "dash",
                  dash: [
                    10,
                    10,
                  ],
                },
              },
              {
                id: "custom.fillOpacity",
                value: 0,
              },
              {
                id: "custom.lineWidth",
                value: 2,
              },
            ],
          },
        ],
      },
      options: {
        legend: {
          displayMode: "table",
          placement: "right",
          showLegend: true,
          calcs: [
            "lastNotNull",
            "max",
          ],
        },
        tooltip: {
          mode: "multi",
          sort: "desc",
        },
      },
    },
    {
      type: "row",
      id: 15,
      title: "SMTP dialogue",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 32,
      },
    },
    {
      id: 16,
      type: "stat",
      title: "Reply codes (last probe)",
      description: "Last reply code to the greeting and to EHLO (or HELO); 0 if none came (smtp_reply_code).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 0,
        y: 33,
      },
      targets: [
        {
          expr: "smtp_reply_code{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{stage}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "none",
                  color: "text",
                  index: 0,
                },
              },
            },
            {
              type: "range",
              options: {
                from: 200,
                to: 399,
                result: {
                  color: "green",
                  index: 1,
                },
              },
            },
            {
              type: "range",
              options: {
                from: 400,
                to: 499,
                result: {
                  color: "orange",
                  index: 2,
                },
              },
            },
            {
              type: "range",
              options: {
                from: 500,
                to: 599,
                result: {
                  color: "red",
                  index: 3,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "text",
                value: null,
              },
            ],
          },
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "value_and_name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 17,
      type: "timeseries",
      title: "Reply codes over time",
      description: "Reply codes per probe; a change from 250/220 shows when the server started refusing.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 8,
        y: 33,
      },
      targets: [
        {
          expr: "smtp_reply_code{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{stage}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "none",
          decimals: 0,
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            fillOpacity: 0,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "none",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "list",
          placement: "bottom",
          showLegend: true,
          calcs: [],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
    {
      id: 18,
      type: "table",
      title: "Advertised EHLO extensions",
      description: "Keywords of the last EHLO reply (smtp_ehlo_extension_info).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 16,
        y: 33,
      },
      targets: [
        {
          expr: "smtp_ehlo_extension_info{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          custom: {
            align: "auto",
            displayMode: "auto",
            inspect: false,
          },
        },
        overrides: [],
      },
      options: {
        showHeader: true,
        cellHeight: "sm",
        footer: {
          show: false,
          reducer: [
            "sum",
          ],
          fields: "",
        },
        sortBy: [
          {
            displayName: "extension",
            desc: false,
          },
        ],
      },
      transformations: [
        {
          id: "organize",
          options: {
            excludeByName: {
              Time: true,
              Value: true,
              __name__: true,
              job: true,
              instance: true,
              target: true,
            },
            indexByName: {
              extension: 0,
              module: 1,
            },
            renameByName: {},
          },
        },
      ],
    },
    {
      type: "row",
      id: 19,
      title: "TLS",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 39,
      },
    },
    {
      id: 20,
      type: "stat",
      title: "TLS version",
      description: "Protocol version negotiated in the last probe (smtp_tls_version_info).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 5,
        w: 4,
        x: 0,
        y: 40,
      },
      targets: [
        {
          expr: "smtp_tls_version_info{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{version}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "blue",
                value: null,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "name",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 21,
      type: "stat",
      title: "Cipher",
      description: "Cipher negotiated in the last probe (smtp_tls_cipher_info).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 5,
        w: 6,
        x: 4,
        y: 40,
      },
      targets: [
        {
          expr: "smtp_tls_cipher_info{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{cipher}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "blue",
                value: null,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "name",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 22,
      type: "stat",
      title: "Certificate verified",
      description: "Whether the certificate verified against the exporter's trust store (smtp_tls_cert_verified).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 5,
        w: 4,
        x: 10,
        y: 40,
      },
      targets: [
        {
          expr: "smtp_tls_cert_verified{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "INVALID",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "VERIFIED",
                  color: "green",
                  index: 1,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "green",
                value: 1,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 23,
      type: "stat",
      title: "Certificate expires",
      description: "Not-after dates of the server's own certificate and the earliest in its chain.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 5,
        w: 5,
        x: 14,
        y: 40,
      },
      targets: [
        {
          expr: "smtp_tls_cert_not_after_timestamp_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"} * 1000",
          legendFormat: "own",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
        {
          expr: "smtp_tls_chain_not_after_timestamp_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"} * 1000",
          legendFormat: "chain",
          instant: true,
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "blue",
                value: null,
              },
            ],
          },
          unit: "dateTimeAsIso",
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "value_and_name",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 24,
      type: "stat",
      title: "Days left",
      description: "Days until the first certificate presented expires (warning below 14, critical below 3).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 5,
        w: 5,
        x: 19,
        y: 40,
      },
      targets: [
        {
          expr: "smtp:tls_cert_expiry:seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"} / 86400",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "red",
                value: null,
              },
              {
                color: "orange",
                value: 3,
              },
              {
                color: "green",
                value: 14,
              },
            ],
          },
          unit: "suffix: days",
          decimals: 1,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      type: "row",
      id: 28,
      title: "Mail transaction steps",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 45,
      },
    },
    {
      id: 29,
      type: "stat",
      title: "Steps as expected (last probe)",
      description: "Each step of the module (smtp_step_success): 1 if its reply was what the step expects (e.g. 554 to a relay test with expect: reject), 0 if not or if the dialog stopped before it. Empty for modules without steps.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 0,
        y: 46,
      },
      targets: [
        {
          expr: "smtp_step_success{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{step}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "not as expected",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "as expected",
                  color: "green",
                  index: 1,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "text",
                value: null,
              },
            ],
          },
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "value_and_name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 30,
      type: "stat",
      title: "Step reply codes (last probe)",
      description: "The last reply code of each step (smtp_step_reply_code); 0 if none came. 2xx accepts, 4xx defers, 5xx refuses.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 8,
        y: 46,
      },
      targets: [
        {
          expr: "smtp_step_reply_code{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{step}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "none",
                  color: "text",
                  index: 0,
                },
              },
            },
            {
              type: "range",
              options: {
                from: 200,
                to: 399,
                result: {
                  color: "green",
                  index: 1,
                },
              },
            },
            {
              type: "range",
              options: {
                from: 400,
                to: 499,
                result: {
                  color: "orange",
                  index: 2,
                },
              },
            },
            {
              type: "range",
              options: {
                from: 500,
                to: 599,
                result: {
                  color: "red",
                  index: 3,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "text",
                value: null,
              },
            ],
          },
          decimals: 0,
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "value_and_name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 31,
      type: "timeseries",
      title: "Step durations (last probe)",
      description: "Seconds each step took, from its first command to its last reply (smtp_step_duration_seconds).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 5,
        x: 16,
        y: 46,
      },
      targets: [
        {
          expr: "smtp_step_duration_seconds{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{step}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "s",
          min: 0,
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 40,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "normal",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "list",
          placement: "bottom",
          showLegend: true,
          calcs: [],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
    {
      id: 32,
      type: "stat",
      title: "AUTH before TLS",
      description: "1 if the server advertised AUTH on a connection without TLS in the last probe (smtp_auth_offered_before_tls): passwords could go in clear.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 3,
        x: 21,
        y: 46,
      },
      targets: [
        {
          expr: "smtp_auth_offered_before_tls{job=~\"$job\",target=\"$target\",module=~\"$module\"}",
          legendFormat: "{{module}}",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              type: "value",
              options: {
                "0": {
                  text: "no",
                  color: "green",
                  index: 0,
                },
                "1": {
                  text: "yes: passwords may go in clear",
                  color: "red",
                  index: 1,
                },
              },
            },
          ],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
              {
                color: "orange",
                value: 1,
              },
            ],
          },
        },
        overrides: [],
      },
      options: {
        reduceOptions: {
          values: false,
          calcs: [
            "lastNotNull",
          ],
          fields: "",
        },
        orientation: "auto",
        textMode: "auto",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      type: "row",
      id: 25,
      title: "Failures",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 52,
      },
    },
    {
      id: 26,
      type: "table",
      title: "Failure reasons in the time range",
      description: "Failed probes by reason within the selected time range (smtp_probe_failures_total).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 8,
        x: 0,
        y: 53,
      },
      targets: [
        {
          expr: "sort_desc(sum by (reason) (increase(smtp_probe_failures_total{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__range])) > 0)",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          decimals: 0,
          custom: {
            align: "auto",
            displayMode: "auto",
            inspect: false,
          },
        },
        overrides: [],
      },
      options: {
        showHeader: true,
        cellHeight: "sm",
        footer: {
          show: false,
          reducer: [
            "sum",
          ],
          fields: "",
        },
        sortBy: [
          {
            displayName: "failures",
            desc: true,
          },
        ],
      },
      transformations: [
        {
          id: "organize",
          options: {
            excludeByName: {
              Time: true,
            },
            renameByName: {
              Value: "failures",
            },
          },
        },
      ],
    },
    {
      id: 27,
      type: "timeseries",
      title: "Recent failures by reason",
      description: "When the probes failed, and why.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 16,
        x: 8,
        y: 53,
      },
      targets: [
        {
          expr: "sum by (reason) (increase(smtp_probe_failures_total{job=~\"$job\",target=\"$target\",module=~\"$module\"}[$__rate_interval])) > 0",
          legendFormat: "{{reason}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [],
          thresholds: {
            mode: "absolute",
            steps: [
              {
                color: "green",
                value: null,
              },
            ],
          },
          unit: "short",
          min: 0,
          decimals: 0,
          custom: {
            drawStyle: "bars",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 80,
            gradientMode: "none",
            showPoints: "never",
            pointSize: 4,
            spanNulls: false,
            axisPlacement: "auto",
            axisLabel: "",
            axisCenteredZero: false,
            axisColorMode: "text",
            scaleDistribution: {
              type: "linear",
            },
            barAlignment: 0,
            stacking: {
              mode: "normal",
              group: "A",
            },
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
        },
        overrides: [],
      },
      options: {
        legend: {
          displayMode: "list",
          placement: "bottom",
          showLegend: true,
          calcs: [],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
  ],
}
