// The dashboard "SMTP / Overview": plain dashboard JSON written as jsonnet; the values that follow
// _config are expressions of p (dashboards.libsonnet).
function(p) {
  uid: "smtp-overview",
  title: "SMTP / Overview",
  description: "Every SMTP server smtp_exporter probes, at a glance. Needs the recording rules in alerts/smtp_exporter.rules.yml.",
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
        expr: "ALERTS{alertstate=\"firing\",alertname=~\"SMTP.*\",target=~\"$target\"}",
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
      title: "SMTP target",
      type: "link",
      url: "/d/smtp-target/smtp-target?${datasource:queryparam}&${job:queryparam}&${__url_time_range}",
      icon: "dashboard",
      tooltip: "One target in detail",
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
      title: "Exporter and targets",
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
      title: "Targets",
      description: "Targets the selected exporters probe.",
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
          expr: "count(smtp_probe_success{job=~\"$job\",target=~\"$target\"})",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
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
        textMode: "auto",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 3,
      type: "stat",
      title: "Passing",
      description: "Targets whose last probe passed every check (smtp_probe_success = 1).",
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
          expr: "sum(smtp_probe_success{job=~\"$job\",target=~\"$target\"})",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
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
      id: 4,
      type: "stat",
      title: "Failing",
      description: "Targets whose last probe failed (smtp_probe_success = 0).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 6,
        y: 1,
      },
      targets: [
        {
          expr: "count(smtp_probe_success{job=~\"$job\",target=~\"$target\"} == 0) or vector(0)",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
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
                color: "red",
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
      id: 5,
      type: "stat",
      title: "Exporters up",
      description: "Prometheus' scrape of each exporter's /metrics.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 4,
        x: 9,
        y: 1,
      },
      targets: [
        {
          expr: "up{job=~\"$job\"}",
          legendFormat: "{{instance}}",
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
        textMode: "value_and_name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 6,
      type: "stat",
      title: "Config reload",
      description: "Whether the last configuration reload succeeded (smtp_exporter_config_last_reload_successful).",
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
          expr: "smtp_exporter_config_last_reload_successful{job=~\"$job\"}",
          legendFormat: "{{instance}}",
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
                  text: "FAILED",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "OK",
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
        textMode: "value_and_name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 7,
      type: "stat",
      title: "Probes in flight",
      description: "Probes running right now (smtp_exporter_probes_in_flight).",
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
          expr: "sum(smtp_exporter_probes_in_flight{job=~\"$job\"})",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
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
      id: 8,
      type: "stat",
      title: "Probes skipped",
      description: "Probes skipped in the selected time range because max_concurrent_probes were already running (smtp_exporter_probes_skipped_total).",
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
          expr: "sum(increase(smtp_exporter_probes_skipped_total{job=~\"$job\"}[$__range]))",
          instant: true,
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
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
                value: 1,
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
        textMode: "auto",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 9,
      type: "stat",
      title: "Status",
      description: "Last probe of each target: UP if it passed every check within 2 x QoS (smtp_probe_success). Click a target for its details.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 24,
        x: 0,
        y: 5,
      },
      targets: [
        {
          expr: "smtp_probe_success{job=~\"$job\",target=~\"$target\"}",
          legendFormat: "{{target}} ({{module}})",
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
          links: [
            {
              title: "Open target ${__field.labels.target}",
              targetBlank: false,
              url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__field.labels.job}&var-target=${__field.labels.target}&${__url_time_range}",
            },
          ],
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
      id: 10,
      type: "table",
      title: "Targets at a glance",
      description: "One row per target: status, last QoS latency (connect to final 250 of EHLO) against the QoS time, share of EHLO replies within QoS (histogram, 30m), share of probes that were ELM 5510 (1h), days until the first certificate expires, age of the last probe.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 24,
        x: 0,
        y: 9,
      },
      targets: [
        {
          expr: "smtp_probe_success{job=~\"$job\",target=~\"$target\"}",
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
        {
          expr: "smtp:probe_qos_latency:seconds{job=~\"$job\",target=~\"$target\"}",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
        {
          expr: "smtp_qos_timeout_seconds{job=~\"$job\",target=~\"$target\"}",
          refId: "C",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
        {
          expr: "smtp:ehlo_within_qos:ratio_rate30m{job=~\"$job\",target=~\"$target\"}",
          refId: "D",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
        {
          expr: "1 - smtp:probe_qos_errors:ratio_rate%(pageLong)s{job=~\"$job\",target=~\"$target\"}" % p,
          refId: "E",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
        {
          expr: "smtp:tls_cert_expiry:seconds{job=~\"$job\",target=~\"$target\"} / 86400",
          refId: "F",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "__auto",
          format: "table",
          instant: true,
          range: false,
        },
        {
          expr: "time() - smtp_probe_last_run_timestamp_seconds{job=~\"$job\",target=~\"$target\"}",
          refId: "G",
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
            filterable: true,
          },
        },
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "target",
            },
            properties: [
              {
                id: "links",
                value: [
                  {
                    title: "Open target ${__data.fields.target}",
                    targetBlank: false,
                    url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__data.fields.job}&var-target=${__data.fields.target}&${__url_time_range}",
                  },
                ],
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "Status",
            },
            properties: [
              {
                id: "mappings",
                value: [
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
              },
              {
                id: "custom.displayMode",
                value: "color-background",
              },
              {
                id: "thresholds",
                value: {
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
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "Last QoS latency",
            },
            properties: [
              {
                id: "unit",
                value: "s",
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "QoS time",
            },
            properties: [
              {
                id: "unit",
                value: "s",
              },
            ],
          },
          {
            matcher: {
              id: "byRegexp",
              options: "Within QoS.*|5510 share.*",
            },
            properties: [
              {
                id: "unit",
                value: "percentunit",
              },
              {
                id: "decimals",
                value: 2,
              },
              {
                id: "custom.displayMode",
                value: "color-text",
              },
              {
                id: "thresholds",
                value: {
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
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "Cert days left",
            },
            properties: [
              {
                id: "decimals",
                value: 1,
              },
              {
                id: "custom.displayMode",
                value: "color-text",
              },
              {
                id: "thresholds",
                value: {
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
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "Last probe age",
            },
            properties: [
              {
                id: "unit",
                value: "s",
              },
              {
                id: "decimals",
                value: 0,
              },
              {
                id: "custom.displayMode",
                value: "color-text",
              },
              {
                id: "thresholds",
                value: {
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
              },
            ],
          },
        ],
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
            displayName: "Status",
            desc: false,
          },
        ],
      },
      transformations: [
        {
          id: "merge",
          options: {},
        },
        {
          id: "organize",
          options: {
            excludeByName: {
              Time: true,
              __name__: true,
            },
            indexByName: {
              target: 0,
              module: 1,
              job: 2,
              instance: 3,
              "Value #A": 4,
              "Value #B": 5,
              "Value #C": 6,
              "Value #D": 7,
              "Value #E": 8,
              "Value #F": 9,
              "Value #G": 10,
            },
            renameByName: {
              "Value #A": "Status",
              "Value #B": "Last QoS latency",
              "Value #C": "QoS time",
              "Value #D": "Within QoS (30m)",
              "Value #E": "5510 share (1h)",
              "Value #F": "Cert days left",
              "Value #G": "Last probe age",
            },
          },
        },
      ],
    },
    {
      type: "row",
      id: 11,
      title: "QoS",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 17,
      },
    },
    {
      id: 12,
      type: "timeseries",
      title: "Last QoS latency / QoS time",
      description: "Each probe's QoS latency (connect start to final 250 of EHLO, from the phase durations) as a multiple of the target's QoS time: below 1 = ELM 5510, 1 to 2 = 5511 (QoS warning), above 2 = 5509.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 18,
      },
      targets: [
        {
          expr: "smtp:probe_qos_latency:seconds{job=~\"$job\",target=~\"$target\"} / smtp_qos_timeout_seconds{job=~\"$job\",target=~\"$target\"}",
          legendFormat: "{{target}} ({{module}})",
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
              {
                color: "orange",
                value: 1,
              },
              {
                color: "red",
                value: 2,
              },
            ],
          },
          unit: "suffix: x QoS",
          min: 0,
          links: [
            {
              title: "Open target ${__field.labels.target}",
              targetBlank: false,
              url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__field.labels.job}&var-target=${__field.labels.target}&${__url_time_range}",
            },
          ],
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
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
              mode: "dashed",
            },
          },
        },
        overrides: [],
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
      title: "Share of EHLO replies within QoS (30m)",
      description: "From the histogram bucket at the QoS time (recording rule smtp:ehlo_within_qos:ratio_rate30m); SMTPQoSDegraded fires below the objective.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 18,
      },
      targets: [
        {
          expr: "smtp:ehlo_within_qos:ratio_rate30m{job=~\"$job\",target=~\"$target\"}",
          legendFormat: "{{target}} ({{module}})",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "vector(%(qosShareObjective)g)" % p,
          legendFormat: "objective",
          refId: "B",
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
          max: 1,
          links: [
            {
              title: "Open target ${__field.labels.target}",
              targetBlank: false,
              url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__field.labels.job}&var-target=${__field.labels.target}&${__url_time_range}",
            },
          ],
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
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
              options: "objective",
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
      id: 14,
      type: "timeseries",
      title: "ELM events",
      description: "Probe outcomes per minute, all selected targets: 5510 final 250 to EHLO within QoS, 5511 within 2 x QoS, 5509 failed.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 26,
      },
      targets: [
        {
          expr: "60 * sum by (event) (smtp:probe_events:rate5m{job=~\"$job\",target=~\"$target\"})",
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
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 30,
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
      id: 15,
      type: "timeseries",
      title: "Failures by reason",
      description: "Failed probes per minute by reason (smtp_probe_failures_total).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 26,
      },
      targets: [
        {
          expr: "60 * sum by (reason) (smtp:probe_failures:rate5m{job=~\"$job\",target=~\"$target\"}) > 0",
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
    {
      id: 16,
      type: "timeseries",
      title: "QoS error budget burn rate (%(pageLong)s)" % p,
      description: "How many times faster than sustainable the error budget (1 - %(sloObjective)g) is spent over %(pageLong)s: SMTPQoSBudgetBurn pages at %(pageFactor)g (with the %(pageShort)s window), tickets at %(ticketFactor)g (%(ticketLong)s and %(ticketShort)s windows)." % p,
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 34,
      },
      targets: [
        {
          expr: "smtp:probe_qos_errors:ratio_rate%(pageLong)s{job=~\"$job\",target=~\"$target\"} / (1 - %(sloObjective)g)" % p,
          legendFormat: "{{target}} ({{module}})",
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
              {
                color: "orange",
                value: 6,
              },
              {
                color: "red",
                value: 14.4,
              },
            ],
          },
          unit: "suffix:x",
          min: 0,
          links: [
            {
              title: "Open target ${__field.labels.target}",
              targetBlank: false,
              url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__field.labels.job}&var-target=${__field.labels.target}&${__url_time_range}",
            },
          ],
          custom: {
            drawStyle: "line",
            lineInterpolation: "linear",
            lineWidth: 1,
            fillOpacity: 10,
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
              mode: "dashed",
            },
          },
        },
        overrides: [],
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
      id: 17,
      type: "timeseries",
      title: "Age of the last probe",
      description: "Seconds since each target's last probe finished; SMTPProbesStale fires above the threshold.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 34,
      },
      targets: [
        {
          expr: "time() - smtp_probe_last_run_timestamp_seconds{job=~\"$job\",target=~\"$target\"}",
          legendFormat: "{{target}} ({{module}})",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "vector(%(probeStaleThresholdSeconds)d)" % p,
          legendFormat: "stale threshold",
          refId: "B",
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
            fillOpacity: 10,
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
              options: "stale threshold",
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
      type: "row",
      id: 18,
      title: "TLS",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 42,
      },
    },
    {
      id: 19,
      type: "bargauge",
      title: "Certificate days left",
      description: "Days until the first certificate the server presents (its own or one in the chain) expires. SMTPCertificateExpiringSoon: warning below 14, critical below 3.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 43,
      },
      targets: [
        {
          expr: "smtp:tls_cert_expiry:seconds{job=~\"$job\",target=~\"$target\"} / 86400",
          legendFormat: "{{target}} ({{module}})",
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
          min: 0,
          decimals: 1,
          links: [
            {
              title: "Open target ${__field.labels.target}",
              targetBlank: false,
              url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__field.labels.job}&var-target=${__field.labels.target}&${__url_time_range}",
            },
          ],
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
        orientation: "horizontal",
        displayMode: "gradient",
        showUnfilled: true,
        minVizHeight: 10,
        minVizWidth: 0,
        valueMode: "color",
      },
    },
    {
      id: 20,
      type: "stat",
      title: "Certificate verified",
      description: "Whether the certificate verified against the exporter's trust store (smtp_tls_cert_verified).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 43,
      },
      targets: [
        {
          expr: "smtp_tls_cert_verified{job=~\"$job\",target=~\"$target\"}",
          legendFormat: "{{target}} ({{module}})",
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
          links: [
            {
              title: "Open target ${__field.labels.target}",
              targetBlank: false,
              url: "/d/smtp-target/smtp-target?${datasource:queryparam}&var-job=${__field.labels.job}&var-target=${__field.labels.target}&${__url_time_range}",
            },
          ],
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
      type: "row",
      id: 21,
      title: "Mail loops",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 51,
      },
    },
    {
      id: 22,
      type: "timeseries",
      title: "Loop round trip",
      description: "Seconds from the sending server's 250 after DATA to the message found in the mailbox: the last message, and the median and 95th percentile over 1h (smtp_loop_roundtrip_seconds).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 52,
      },
      targets: [
        {
          expr: "smtp_loop_last_roundtrip_seconds{job=~\"$job\"}",
          legendFormat: "{{loop}} last",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "histogram_quantile(0.5, sum by (loop, le) (rate(smtp_loop_roundtrip_seconds_bucket{job=~\"$job\"}[1h])))",
          legendFormat: "{{loop}} p50 (1h)",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "histogram_quantile(0.95, sum by (loop, le) (rate(smtp_loop_roundtrip_seconds_bucket{job=~\"$job\"}[1h])))",
          legendFormat: "{{loop}} p95 (1h)",
          refId: "C",
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
      id: 23,
      type: "timeseries",
      title: "Loop messages per hour",
      description: "Messages sent, found (by folder: anything but INBOX is a junk folder), lost (not found within the timeout) and found late, per hour.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 52,
      },
      targets: [
        {
          expr: "sum by (loop) (increase(smtp_loop_sent_total{job=~\"$job\"}[1h]))",
          legendFormat: "{{loop}} sent",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "sum by (loop, folder) (increase(smtp_loop_received_total{job=~\"$job\"}[1h]))",
          legendFormat: "{{loop}} found in {{folder}}",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "sum by (loop) (increase(smtp_loop_lost_total{job=~\"$job\"}[1h]))",
          legendFormat: "{{loop}} lost",
          refId: "C",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: true,
          instant: false,
        },
        {
          expr: "sum by (loop) (increase(smtp_loop_late_total{job=~\"$job\"}[1h]))",
          legendFormat: "{{loop}} late",
          refId: "D",
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
      id: 24,
      type: "stat",
      title: "Loop mailbox reachable",
      description: "Whether the exporter could look into each loop's mailbox (IMAP or Maildir) at its last look, and messages out (sent, not yet found, not yet lost).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 0,
        y: 60,
      },
      targets: [
        {
          expr: "smtp_loop_receive_up{job=~\"$job\"}",
          legendFormat: "{{loop}} mailbox",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
          instant: true,
        },
        {
          expr: "smtp_loop_pending{job=~\"$job\"}",
          legendFormat: "{{loop}} out",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
          instant: true,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "thresholds",
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
                color: "green",
                value: 1,
              },
            ],
          },
        },
        overrides: [
          {
            matcher: {
              id: "byFrameRefID",
              options: "A",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "unreachable",
                      },
                      "1": {
                        text: "reachable",
                      },
                    },
                  },
                ],
              },
            ],
          },
          {
            matcher: {
              id: "byFrameRefID",
              options: "B",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "blue",
                },
              },
            ],
          },
        ],
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
      id: 25,
      type: "stat",
      title: "Authentication-Results of the last message",
      description: "SPF, DKIM and DMARC as the receiving side wrote them into the last message found (RFC 8601).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 8,
        y: 60,
      },
      targets: [
        {
          expr: "smtp_loop_auth_results{job=~\"$job\"} == 1",
          legendFormat: "{{loop}} {{method}}={{result}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
          instant: true,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "thresholds",
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
        colorMode: "none",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 26,
      type: "stat",
      title: "Since the last message found",
      description: "Time since a loop last found its message within the timeout.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 6,
        w: 8,
        x: 16,
        y: 60,
      },
      targets: [
        {
          expr: "time() - smtp_loop_last_success_timestamp_seconds{job=~\"$job\"} and smtp_loop_last_success_timestamp_seconds{job=~\"$job\"} > 0",
          legendFormat: "{{loop}}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          range: false,
          instant: true,
        },
      ],
      fieldConfig: {
        defaults: {
          color: {
            mode: "thresholds",
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
                value: 900,
              },
              {
                color: "red",
                value: 3600,
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
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
  ],
}
