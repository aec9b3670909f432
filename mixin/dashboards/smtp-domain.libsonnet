// The dashboard "SMTP / Mail domain": plain dashboard JSON written as jsonnet; the values that follow
// _config are expressions of p (dashboards.libsonnet).
function(p) {
  uid: "smtp-domain",
  title: "SMTP / Mail domain",
  description: "One mail domain probed by smtp_exporter: its MX hosts and their IPv4 and IPv6 addresses as a pool (state, QoS latency, TLS, DANE, MTA-STS coverage, reverse DNS), DNS, MTA-STS and consistency across the pool. Needs the recording rules in alerts/smtp_exporter.rules.yml.",
  tags: [
    "smtp",
    "smtp_exporter",
    "mail_domain",
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
        name: "instance",
        label: "Exporter",
        type: "query",
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_domain_success{job=~\"$job\"}, instance)",
        query: "label_values(smtp_domain_success{job=~\"$job\"}, instance)",
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
        name: "domain",
        label: "Domain",
        type: "query",
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_domain_success{job=~\"$job\",instance=~\"$instance\"}, target)",
        query: "label_values(smtp_domain_success{job=~\"$job\",instance=~\"$instance\"}, target)",
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
        expr: "ALERTS{alertstate=\"firing\",alertname=~\"SMTP.*\",target=\"$domain\"}",
        step: "1m",
        titleFormat: "{{alertname}} ({{severity}})",
        textFormat: "{{target}} {{mx}} {{address}}",
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
  ],
  panels: [
    {
      type: "row",
      id: 1,
      title: "Domain",
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
      title: "Domain",
      description: "1 if at least one probed address of the MX hosts passed in the last probe, or the domain has the null MX it is expected to have (smtp_domain_success). Senders fall back through the MX list, so one passing address gets mail in.",
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
          expr: "smtp_domain_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{instance}}",
          instant: true,
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
      title: "MX hosts",
      description: "MX records found in the last probe, before the max_mx cap; 0 for an implicit or a null MX (smtp_domain_mx_hosts).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 2,
        x: 3,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_domain_mx_hosts{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{instance}}",
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
      id: 4,
      type: "stat",
      title: "Addresses up / probed",
      description: "Per family: addresses of the MX hosts whose session passed in the last probe (smtp_domain_addresses_up), and how many were probed (smtp_domain_addresses).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 6,
        x: 5,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_domain_addresses_up{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{family}} up",
          instant: true,
          range: false,
        },
        {
          expr: "smtp_domain_addresses{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{family}} probed",
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
                color: "blue",
                value: null,
              },
            ],
          },
        },
        overrides: [
          {
            matcher: {
              id: "byRegexp",
              options: ".* up",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "green",
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
        textMode: "value_and_name",
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 5,
      type: "stat",
      title: "DNS",
      description: "Why the domain's mail could not be routed in the last probe (smtp_domain_dns_failure: nxdomain, servfail, bogus DNSSEC, timeout, no_address for MX hosts without addresses), or none.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 11,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_domain_dns_failure{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"} == 1\nor\nlabel_replace(max without (reason) (smtp_domain_dns_failure{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}) == 0, \"reason\", \"none\", \"\", \"\")",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{reason}}",
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
        textMode: "name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 6,
      type: "stat",
      title: "Null MX",
      description: "1 if the domain publishes a null MX (RFC 7505): it accepts no mail (smtp_domain_null_mx). Expected for a target with expect_null_mx.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 2,
        x: 14,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_domain_null_mx{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{instance}}",
          instant: true,
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
                  text: "NULL MX",
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
      id: 7,
      type: "stat",
      title: "MTA-STS mode",
      description: "Mode of the domain's MTA-STS policy (smtp_mta_sts_mode): enforce, testing, none, or no policy. No data: the target does not check MTA-STS, or the domain's mail could not be routed.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 16,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_mta_sts_mode{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"} == 1\nor\nlabel_replace(max without (mode) (smtp_mta_sts_mode{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}) == 0, \"mode\", \"no policy\", \"\", \"\")",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{mode}}",
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
                color: "blue",
                value: null,
              },
            ],
          },
        },
        overrides: [
          {
            matcher: {
              id: "byName",
              options: "enforce",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "green",
                },
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "testing",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "orange",
                },
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "none",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "orange",
                },
              },
            ],
          },
          {
            matcher: {
              id: "byName",
              options: "no policy",
            },
            properties: [
              {
                id: "color",
                value: {
                  mode: "fixed",
                  fixedColor: "text",
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
        textMode: "name",
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
    {
      id: 8,
      type: "stat",
      title: "MTA-STS policy",
      description: "Whether _mta-sts.<domain> has a v=STSv1 TXT record (smtp_mta_sts_policy_present) and the policy was fetched over HTTPS and parsed (smtp_mta_sts_fetch_success).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 19,
        y: 1,
      },
      targets: [
        {
          expr: "2 * smtp_mta_sts_policy_present{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"} + smtp_mta_sts_fetch_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{instance}}",
          instant: true,
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
                  text: "no TXT record",
                  color: "text",
                  index: 0,
                },
                "1": {
                  text: "fetched, no TXT",
                  color: "orange",
                  index: 1,
                },
                "2": {
                  text: "FETCH FAILED",
                  color: "red",
                  index: 2,
                },
                "3": {
                  text: "fetched",
                  color: "green",
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
              {
                color: "orange",
                value: 1,
              },
              {
                color: "red",
                value: 2,
              },
              {
                color: "green",
                value: 3,
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
      id: 9,
      type: "stat",
      title: "Max age",
      description: "max_age of the MTA-STS policy (smtp_mta_sts_max_age_seconds): how long senders cache it.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 4,
        w: 2,
        x: 22,
        y: 1,
      },
      targets: [
        {
          expr: "smtp_mta_sts_max_age_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{instance}}",
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
      id: 10,
      type: "stat",
      title: "Consistent across the pool",
      description: "Whether every probed address agreed in the last probe (smtp_domain_consistent): starttls (TLS offered or established), tls_verified, extensions (EHLO keywords), probe_success, family_parity (per MX, IPv4 and IPv6 both pass or both fail). 1 also with fewer than two addresses.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 3,
        w: 24,
        x: 0,
        y: 5,
      },
      targets: [
        {
          expr: "smtp_domain_consistent{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{aspect}}",
          instant: true,
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
                  text: "DIFFER",
                  color: "red",
                  index: 0,
                },
                "1": {
                  text: "agree",
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
      type: "row",
      id: 11,
      title: "MX pool",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 8,
      },
    },
    {
      id: 12,
      type: "table",
      title: "Addresses of the MX hosts",
      description: "One row per probed (MX, address) in the last probe, IPv4 and IPv6: state of its session (smtp_probe_success), QoS latency of the last probe (connect to the final 250 of EHLO) and the 95th percentile of the EHLO histogram over 30m against the QoS time, TLS certificate verified and days until the first certificate expires, DANE match against the MX's TLSA records, whether the MX is covered by the MTA-STS policy, forward-confirmed reverse DNS and whether the greeting names the PTR name. Red: failing, or disagreeing with what senders expect. Empty: not checked for this address (no TLS, no usable TLSA records, no MTA-STS policy).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 10,
        w: 24,
        x: 0,
        y: 9,
      },
      targets: [
        {
          expr: "max without () (smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
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
          expr: "max without () (smtp:probe_qos_latency:seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
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
          expr: "max without () (smtp:ehlo_duration_seconds:p95_rate30m{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
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
          expr: "max without () (smtp_qos_timeout_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
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
          expr: "max without () (smtp_tls_cert_verified{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
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
          expr: "smtp:tls_cert_expiry:seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"} / 86400",
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
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx, address) group_left ()\nsmtp_dane_match{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
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
        {
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx) group_left ()\nsmtp_mta_sts_mx_covered{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "H",
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
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx, address) group_left ()\nsmtp_fcrdns_match{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "I",
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
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx, address) group_left ()\nsmtp_banner_name_matches_ptr{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "J",
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
              options: "State",
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
              id: "byRegexp",
              options: "Last QoS latency|EHLO p95 \\(30m\\)|QoS time",
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
              options: "TLS verified",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "INVALID",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "verified",
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
              options: "DANE match",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "MISMATCH",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "match",
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
              options: "MTA-STS covered",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "NOT COVERED",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "covered",
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
              options: "FCrDNS",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "NO",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "yes",
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
              options: "Banner = PTR",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "NO",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "yes",
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
            displayName: "State",
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
              job: true,
              target: true,
              module: true,
            },
            indexByName: {
              mx: 0,
              address: 1,
              family: 2,
              "Value #A": 3,
              "Value #B": 4,
              "Value #C": 5,
              "Value #D": 6,
              "Value #E": 7,
              "Value #F": 8,
              "Value #G": 9,
              "Value #H": 10,
              "Value #I": 11,
              "Value #J": 12,
              instance: 13,
            },
            renameByName: {
              "Value #A": "State",
              "Value #B": "Last QoS latency",
              "Value #C": "EHLO p95 (30m)",
              "Value #D": "QoS time",
              "Value #E": "TLS verified",
              "Value #F": "Cert days left",
              "Value #G": "DANE match",
              "Value #H": "MTA-STS covered",
              "Value #I": "FCrDNS",
              "Value #J": "Banner = PTR",
            },
          },
        },
      ],
    },
    {
      type: "row",
      id: 13,
      title: "Over time",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 19,
      },
    },
    {
      id: 14,
      type: "timeseries",
      title: "Probe success per address",
      description: "smtp_probe_success of each (MX, address): 1 passed, 0 failed. A line that ends: the address left DNS.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 20,
      },
      targets: [
        {
          expr: "smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{mx}} {{address}}",
          range: true,
          instant: false,
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
          min: 0,
          max: 1,
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
          displayMode: "table",
          placement: "right",
          showLegend: true,
          calcs: [
            "lastNotNull",
            "min",
          ],
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
      title: "QoS latency per address",
      description: "QoS latency of each (MX, address) in each probe (connect start to the final 250 of EHLO, from the phase durations), against the QoS time and 2 x QoS (above: ELM 5509).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 20,
      },
      targets: [
        {
          expr: "smtp:probe_qos_latency:seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{mx}} {{address}}",
          range: true,
          instant: false,
        },
        {
          expr: "max(smtp_qos_timeout_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "QoS time",
          range: true,
          instant: false,
        },
        {
          expr: "2 * max(smtp_qos_timeout_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          refId: "C",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "2 x QoS",
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
              options: "QoS time",
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
          sort: "none",
        },
      },
    },
    {
      id: 16,
      type: "timeseries",
      title: "Addresses up by family",
      description: "Per family: addresses whose session passed (smtp_domain_addresses_up) and addresses probed (smtp_domain_addresses, dashed).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 28,
      },
      targets: [
        {
          expr: "smtp_domain_addresses_up{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{family}} up",
          range: true,
          instant: false,
        },
        {
          expr: "smtp_domain_addresses{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "B",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{family}} probed",
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
          min: 0,
          custom: {
            drawStyle: "line",
            lineInterpolation: "stepAfter",
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
              id: "byRegexp",
              options: ".* probed",
            },
            properties: [
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
          ],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
    {
      id: 17,
      type: "timeseries",
      title: "Failures by address and reason",
      description: "Failed probes per (MX, address) and reason (smtp_probe_failures_total) in each interval.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 28,
      },
      targets: [
        {
          expr: "sum by (mx, address, reason) (increase(smtp_probe_failures_total{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}[$__rate_interval])) > 0",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{mx}} {{address}}: {{reason}}",
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
          displayMode: "table",
          placement: "right",
          showLegend: true,
          calcs: [
            "sum",
          ],
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
    },
    {
      type: "row",
      id: 18,
      title: "MTA-STS and DANE per MX",
      collapsed: false,
      panels: [],
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 36,
      },
    },
    {
      id: 19,
      type: "table",
      title: "MX hosts",
      description: "One row per probed MX host: whether an mx pattern of the MTA-STS policy matches it (smtp_mta_sts_mx_covered, only with a policy), its usable TLSA records (usages 2 and 3; smtp_dane_tlsa_records, 0 in an insecure zone) and whether the TLSA answer validated with DNSSEC (smtp_dane_dnssec_secure).",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 7,
        w: 16,
        x: 0,
        y: 37,
      },
      targets: [
        {
          expr: "max without () (smtp_mta_sts_mx_covered{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"})",
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
          expr: "max without () (smtp_dane_tlsa_records{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"})",
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
          expr: "max without () (smtp_dane_dnssec_secure{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"})",
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
              options: "MTA-STS covered",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "NOT COVERED",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "covered",
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
              options: "TLSA records",
            },
            properties: [
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
                      color: "text",
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
              options: "DNSSEC secure",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    type: "value",
                    options: {
                      "0": {
                        text: "INSECURE",
                        color: "red",
                        index: 0,
                      },
                      "1": {
                        text: "secure",
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
            displayName: "mx",
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
              job: true,
              target: true,
              module: true,
            },
            indexByName: {
              mx: 0,
              "Value #A": 1,
              "Value #B": 2,
              "Value #C": 3,
              instance: 4,
            },
            renameByName: {
              "Value #A": "MTA-STS covered",
              "Value #B": "TLSA records",
              "Value #C": "DNSSEC secure",
            },
          },
        },
      ],
    },
    {
      id: 20,
      type: "stat",
      title: "MTA-STS policy id",
      description: "The id of the _mta-sts TXT record (smtp_mta_sts_policy_id_info); it changes when the policy does.",
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      gridPos: {
        h: 7,
        w: 8,
        x: 16,
        y: 37,
      },
      targets: [
        {
          expr: "smtp_mta_sts_policy_id_info{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          refId: "A",
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          legendFormat: "{{id}}",
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
        colorMode: "none",
        graphMode: "none",
        justifyMode: "auto",
      },
    },
  ],
}
