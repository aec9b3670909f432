// The dashboard "SMTP / Mail domain": plain dashboard JSON written as jsonnet; the values that follow
// _config are expressions of p (dashboards.libsonnet).
function(p) {
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
        expr: "ALERTS{alertstate=\"firing\",alertname=~\"SMTP.*\",target=\"$domain\"}",
        hide: false,
        iconColor: "red",
        name: "SMTP alerts",
        step: "1m",
        tagKeys: "severity,target",
        textFormat: "{{target}} {{mx}} {{address}}",
        titleFormat: "{{alertname}} ({{severity}})",
        useValueForTime: false,
      },
    ],
  },
  description: "One mail domain probed by smtp_exporter: its MX hosts and their IPv4 and IPv6 addresses as a pool (state, QoS latency, TLS, DANE, MTA-STS coverage, reverse DNS), DNS, MTA-STS and consistency across the pool. Needs the recording rules in alerts/smtp_exporter.rules.yml.",
  editable: true,
  fiscalYearStartMonth: 0,
  graphTooltip: 1,
  links: [
    {
      asDropdown: false,
      icon: "dashboard",
      includeVars: false,
      keepTime: false,
      tags: [],
      targetBlank: false,
      title: "SMTP overview",
      tooltip: "All targets",
      type: "link",
      url: "/d/smtp-overview/smtp-overview?${datasource:queryparam}&${job:queryparam}&${__url_time_range}",
    },
    {
      asDropdown: false,
      icon: "dashboard",
      includeVars: false,
      keepTime: false,
      tags: [],
      targetBlank: false,
      title: "SMTP target",
      tooltip: "One target in detail",
      type: "link",
      url: "/d/smtp-target/smtp-target?${datasource:queryparam}&${job:queryparam}&${__url_time_range}",
    },
  ],
  liveNow: false,
  panels: [
    {
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 0,
      },
      id: 1,
      panels: [],
      title: "Domain",
      type: "row",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "1 if at least one probed address of the MX hosts passed in the last probe, or the domain has the null MX it is expected to have (smtp_domain_success). Senders fall back through the MX list, so one passing address gets mail in.",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              options: {
                "0": {
                  color: "red",
                  index: 0,
                  text: "DOWN",
                },
                "1": {
                  color: "green",
                  index: 1,
                  text: "UP",
                },
              },
              type: "value",
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
      gridPos: {
        h: 4,
        w: 3,
        x: 0,
        y: 1,
      },
      id: 2,
      options: {
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "auto",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{instance}}",
          range: false,
          refId: "A",
        },
      ],
      title: "Domain",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "MX records found in the last probe, before the max_mx cap; 0 for an implicit or a null MX (smtp_domain_mx_hosts).",
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
      gridPos: {
        h: 4,
        w: 2,
        x: 3,
        y: 1,
      },
      id: 3,
      options: {
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "auto",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_mx_hosts{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{instance}}",
          range: false,
          refId: "A",
        },
      ],
      title: "MX hosts",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Per family: addresses of the MX hosts whose session passed in the last probe (smtp_domain_addresses_up), and how many were probed (smtp_domain_addresses).",
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
                  fixedColor: "green",
                  mode: "fixed",
                },
              },
            ],
          },
        ],
      },
      gridPos: {
        h: 4,
        w: 6,
        x: 5,
        y: 1,
      },
      id: 4,
      options: {
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "value_and_name",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_addresses_up{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{family}} up",
          range: false,
          refId: "A",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_addresses{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{family}} probed",
          range: false,
          refId: "B",
        },
      ],
      title: "Addresses up / probed",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Why the domain's mail could not be routed in the last probe (smtp_domain_dns_failure: nxdomain, servfail, bogus DNSSEC, timeout, no_address for MX hosts without addresses), or none.",
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
      gridPos: {
        h: 4,
        w: 3,
        x: 11,
        y: 1,
      },
      id: 5,
      options: {
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "name",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_dns_failure{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"} == 1\nor\nlabel_replace(max without (reason) (smtp_domain_dns_failure{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}) == 0, \"reason\", \"none\", \"\", \"\")",
          instant: true,
          legendFormat: "{{reason}}",
          range: false,
          refId: "A",
        },
      ],
      title: "DNS",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "1 if the domain publishes a null MX (RFC 7505): it accepts no mail (smtp_domain_null_mx). Expected for a target with expect_null_mx.",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              options: {
                "0": {
                  color: "green",
                  index: 0,
                  text: "no",
                },
                "1": {
                  color: "orange",
                  index: 1,
                  text: "NULL MX",
                },
              },
              type: "value",
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
      gridPos: {
        h: 4,
        w: 2,
        x: 14,
        y: 1,
      },
      id: 6,
      options: {
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "auto",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_null_mx{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{instance}}",
          range: false,
          refId: "A",
        },
      ],
      title: "Null MX",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Mode of the domain's MTA-STS policy (smtp_mta_sts_mode): enforce, testing, none, or no policy. No data: the target does not check MTA-STS, or the domain's mail could not be routed.",
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
                  fixedColor: "green",
                  mode: "fixed",
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
                  fixedColor: "orange",
                  mode: "fixed",
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
                  fixedColor: "orange",
                  mode: "fixed",
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
                  fixedColor: "text",
                  mode: "fixed",
                },
              },
            ],
          },
        ],
      },
      gridPos: {
        h: 4,
        w: 3,
        x: 16,
        y: 1,
      },
      id: 7,
      options: {
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "name",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_mta_sts_mode{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"} == 1\nor\nlabel_replace(max without (mode) (smtp_mta_sts_mode{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}) == 0, \"mode\", \"no policy\", \"\", \"\")",
          instant: true,
          legendFormat: "{{mode}}",
          range: false,
          refId: "A",
        },
      ],
      title: "MTA-STS mode",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Whether _mta-sts.<domain> has a v=STSv1 TXT record (smtp_mta_sts_policy_present) and the policy was fetched over HTTPS and parsed (smtp_mta_sts_fetch_success).",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              options: {
                "0": {
                  color: "text",
                  index: 0,
                  text: "no TXT record",
                },
                "1": {
                  color: "orange",
                  index: 1,
                  text: "fetched, no TXT",
                },
                "2": {
                  color: "red",
                  index: 2,
                  text: "FETCH FAILED",
                },
                "3": {
                  color: "green",
                  index: 3,
                  text: "fetched",
                },
              },
              type: "value",
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
      gridPos: {
        h: 4,
        w: 3,
        x: 19,
        y: 1,
      },
      id: 8,
      options: {
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "auto",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "2 * smtp_mta_sts_policy_present{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"} + smtp_mta_sts_fetch_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{instance}}",
          range: false,
          refId: "A",
        },
      ],
      title: "MTA-STS policy",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "max_age of the MTA-STS policy (smtp_mta_sts_max_age_seconds): how long senders cache it.",
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
      gridPos: {
        h: 4,
        w: 2,
        x: 22,
        y: 1,
      },
      id: 9,
      options: {
        colorMode: "value",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "auto",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_mta_sts_max_age_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{instance}}",
          range: false,
          refId: "A",
        },
      ],
      title: "Max age",
      type: "stat",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Whether every probed address agreed in the last probe (smtp_domain_consistent): starttls (TLS offered or established), tls_verified, extensions (EHLO keywords), probe_success, family_parity (per MX, IPv4 and IPv6 both pass or both fail). 1 also with fewer than two addresses.",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          mappings: [
            {
              options: {
                "0": {
                  color: "red",
                  index: 0,
                  text: "DIFFER",
                },
                "1": {
                  color: "green",
                  index: 1,
                  text: "agree",
                },
              },
              type: "value",
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
      gridPos: {
        h: 3,
        w: 24,
        x: 0,
        y: 5,
      },
      id: 10,
      options: {
        colorMode: "background",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "value_and_name",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_consistent{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{aspect}}",
          range: false,
          refId: "A",
        },
      ],
      title: "Consistent across the pool",
      type: "stat",
    },
    {
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 8,
      },
      id: 11,
      panels: [],
      title: "MX pool",
      type: "row",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "One row per probed (MX, address) in the last probe, IPv4 and IPv6: state of its session (smtp_probe_success), QoS latency of the last probe (connect to the final 250 of EHLO) and the 95th percentile of the EHLO histogram over 30m against the QoS time, TLS certificate verified and days until the first certificate expires, DANE match against the MX's TLSA records, whether the MX is covered by the MTA-STS policy, forward-confirmed reverse DNS and whether the greeting names the PTR name. Red: failing, or disagreeing with what senders expect. Empty: not checked for this address (no TLS, no usable TLSA records, no MTA-STS policy). STARTTLS: offered in the last EHLO, or a TLS session started after it; Extensions missing: how many fewer EHLO keywords this address advertised than the address with the most (0 for all when the pool agrees).",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          custom: {
            align: "auto",
            displayMode: "auto",
            filterable: true,
            inspect: false,
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "DOWN",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "UP",
                      },
                    },
                    type: "value",
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "INVALID",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "verified",
                      },
                    },
                    type: "value",
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "MISMATCH",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "match",
                      },
                    },
                    type: "value",
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "NOT COVERED",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "covered",
                      },
                    },
                    type: "value",
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "NO",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "yes",
                      },
                    },
                    type: "value",
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "NO",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "yes",
                      },
                    },
                    type: "value",
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
              options: "STARTTLS",
            },
            properties: [
              {
                id: "mappings",
                value: [
                  {
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "NONE",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "offered",
                      },
                    },
                    type: "value",
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
              options: "Extensions missing",
            },
            properties: [
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
            ],
          },
        ],
      },
      gridPos: {
        h: 10,
        w: 24,
        x: 0,
        y: 9,
      },
      id: 12,
      options: {
        cellHeight: "sm",
        footer: {
          fields: "",
          reducer: [
            "sum",
          ],
          show: false,
        },
        showHeader: true,
        sortBy: [
          {
            desc: false,
            displayName: "State",
          },
        ],
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "A",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp:probe_qos_latency:seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "B",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp:ehlo_duration_seconds:p95_rate30m{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "C",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp_qos_timeout_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "D",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp_tls_cert_verified{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "E",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp:tls_cert_expiry:seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"} / 86400",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "F",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx, address) group_left ()\nsmtp_dane_match{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "G",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx) group_left ()\nsmtp_mta_sts_mx_covered{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "H",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx, address) group_left ()\nsmtp_fcrdns_match{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "I",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "(0 * smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})\n+ on (job, instance, target, module, mx, address) group_left ()\nsmtp_banner_name_matches_ptr{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "J",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without (extension) (smtp_ehlo_extension_info{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\",extension=\"STARTTLS\"})\nor\nmax without (phase) (smtp_probe_phase_duration_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\",phase=\"starttls\"} > bool 0)",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "K",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max by (job, instance, target, module) (count without (extension) (smtp_ehlo_extension_info{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}))\n- on (job, instance, target, module) group_right ()\ncount without (extension) (smtp_ehlo_extension_info{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "L",
        },
      ],
      title: "Addresses of the MX hosts",
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
              module: true,
              target: true,
            },
            indexByName: {
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
              address: 1,
              family: 2,
              instance: 15,
              mx: 0,
              "Value #K": 13,
              "Value #L": 14,
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
              "Value #K": "STARTTLS",
              "Value #L": "Extensions missing",
            },
          },
        },
      ],
      type: "table",
    },
    {
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 19,
      },
      id: 13,
      panels: [],
      title: "Over time",
      type: "row",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "smtp_probe_success of each (MX, address): 1 passed, 0 failed. A line that ends: the address left DNS.",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          custom: {
            axisCenteredZero: false,
            axisColorMode: "text",
            axisLabel: "",
            axisPlacement: "auto",
            barAlignment: 0,
            drawStyle: "line",
            fillOpacity: 0,
            gradientMode: "none",
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            pointSize: 4,
            scaleDistribution: {
              type: "linear",
            },
            showPoints: "never",
            spanNulls: false,
            stacking: {
              group: "A",
              mode: "none",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          mappings: [
            {
              options: {
                "0": {
                  color: "red",
                  index: 0,
                  text: "DOWN",
                },
                "1": {
                  color: "green",
                  index: 1,
                  text: "UP",
                },
              },
              type: "value",
            },
          ],
          max: 1,
          min: 0,
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
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 20,
      },
      id: 14,
      options: {
        legend: {
          calcs: [
            "lastNotNull",
            "min",
          ],
          displayMode: "table",
          placement: "right",
          showLegend: true,
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_probe_success{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}",
          instant: false,
          legendFormat: "{{mx}} {{address}}",
          range: true,
          refId: "A",
        },
      ],
      title: "Probe success per address",
      type: "timeseries",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "QoS latency of each (MX, address) in each probe (connect start to the final 250 of EHLO, from the phase durations), against the QoS time and 2 x QoS (above: ELM 5509).",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          custom: {
            axisCenteredZero: false,
            axisColorMode: "text",
            axisLabel: "",
            axisPlacement: "auto",
            barAlignment: 0,
            drawStyle: "line",
            fillOpacity: 10,
            gradientMode: "none",
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            lineInterpolation: "linear",
            lineWidth: 1,
            pointSize: 4,
            scaleDistribution: {
              type: "linear",
            },
            showPoints: "never",
            spanNulls: false,
            stacking: {
              group: "A",
              mode: "none",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          mappings: [],
          min: 0,
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
                  fixedColor: "orange",
                  mode: "fixed",
                },
              },
              {
                id: "custom.lineStyle",
                value: {
                  dash: [
                    10,
                    10,
                  ],
                  fill: "dash",
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
                  fixedColor: "red",
                  mode: "fixed",
                },
              },
              {
                id: "custom.lineStyle",
                value: {
                  dash: [
                    10,
                    10,
                  ],
                  fill: "dash",
                },
              },
            ],
          },
        ],
      },
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 20,
      },
      id: 15,
      options: {
        legend: {
          calcs: [
            "lastNotNull",
            "max",
          ],
          displayMode: "table",
          placement: "right",
          showLegend: true,
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp:probe_qos_latency:seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}",
          instant: false,
          legendFormat: "{{mx}} {{address}}",
          range: true,
          refId: "A",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max(smtp_qos_timeout_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          instant: false,
          legendFormat: "QoS time",
          range: true,
          refId: "B",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "2 * max(smtp_qos_timeout_seconds{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"})",
          instant: false,
          legendFormat: "2 x QoS",
          range: true,
          refId: "C",
        },
      ],
      title: "QoS latency per address",
      type: "timeseries",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Per family: addresses whose session passed (smtp_domain_addresses_up) and addresses probed (smtp_domain_addresses, dashed).",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          custom: {
            axisCenteredZero: false,
            axisColorMode: "text",
            axisLabel: "",
            axisPlacement: "auto",
            barAlignment: 0,
            drawStyle: "line",
            fillOpacity: 10,
            gradientMode: "none",
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            lineInterpolation: "stepAfter",
            lineWidth: 1,
            pointSize: 4,
            scaleDistribution: {
              type: "linear",
            },
            showPoints: "never",
            spanNulls: false,
            stacking: {
              group: "A",
              mode: "none",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          mappings: [],
          min: 0,
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
                  dash: [
                    10,
                    10,
                  ],
                  fill: "dash",
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
      gridPos: {
        h: 8,
        w: 12,
        x: 0,
        y: 28,
      },
      id: 16,
      options: {
        legend: {
          calcs: [
            "lastNotNull",
          ],
          displayMode: "table",
          placement: "right",
          showLegend: true,
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_addresses_up{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: false,
          legendFormat: "{{family}} up",
          range: true,
          refId: "A",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_domain_addresses{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: false,
          legendFormat: "{{family}} probed",
          range: true,
          refId: "B",
        },
      ],
      title: "Addresses up by family",
      type: "timeseries",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "Failed probes per (MX, address) and reason (smtp_probe_failures_total) in each interval.",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          custom: {
            axisCenteredZero: false,
            axisColorMode: "text",
            axisLabel: "",
            axisPlacement: "auto",
            barAlignment: 0,
            drawStyle: "bars",
            fillOpacity: 80,
            gradientMode: "none",
            hideFrom: {
              legend: false,
              tooltip: false,
              viz: false,
            },
            lineInterpolation: "linear",
            lineWidth: 1,
            pointSize: 4,
            scaleDistribution: {
              type: "linear",
            },
            showPoints: "never",
            spanNulls: false,
            stacking: {
              group: "A",
              mode: "none",
            },
            thresholdsStyle: {
              mode: "off",
            },
          },
          mappings: [],
          min: 0,
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
      gridPos: {
        h: 8,
        w: 12,
        x: 12,
        y: 28,
      },
      id: 17,
      options: {
        legend: {
          calcs: [
            "sum",
          ],
          displayMode: "table",
          placement: "right",
          showLegend: true,
        },
        tooltip: {
          mode: "multi",
          sort: "none",
        },
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "sum by (mx, address, reason) (increase(smtp_probe_failures_total{job=~\"$job\",instance=~\"$instance\",target=\"$domain\",mx!=\"\"}[$__rate_interval])) > 0",
          instant: false,
          legendFormat: "{{mx}} {{address}}: {{reason}}",
          range: true,
          refId: "A",
        },
      ],
      title: "Failures by address and reason",
      type: "timeseries",
    },
    {
      collapsed: false,
      gridPos: {
        h: 1,
        w: 24,
        x: 0,
        y: 36,
      },
      id: 18,
      panels: [],
      title: "MTA-STS and DANE per MX",
      type: "row",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "One row per probed MX host: whether an mx pattern of the MTA-STS policy matches it (smtp_mta_sts_mx_covered, only with a policy), its usable TLSA records (usages 2 and 3; smtp_dane_tlsa_records, 0 in an insecure zone) and whether the TLSA answer validated with DNSSEC (smtp_dane_dnssec_secure).",
      fieldConfig: {
        defaults: {
          color: {
            mode: "palette-classic",
          },
          custom: {
            align: "auto",
            displayMode: "auto",
            filterable: true,
            inspect: false,
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "NOT COVERED",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "covered",
                      },
                    },
                    type: "value",
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
                    options: {
                      "0": {
                        color: "red",
                        index: 0,
                        text: "INSECURE",
                      },
                      "1": {
                        color: "green",
                        index: 1,
                        text: "secure",
                      },
                    },
                    type: "value",
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
      gridPos: {
        h: 7,
        w: 16,
        x: 0,
        y: 37,
      },
      id: 19,
      options: {
        cellHeight: "sm",
        footer: {
          fields: "",
          reducer: [
            "sum",
          ],
          show: false,
        },
        showHeader: true,
        sortBy: [
          {
            desc: false,
            displayName: "mx",
          },
        ],
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp_mta_sts_mx_covered{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "A",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp_dane_tlsa_records{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "B",
        },
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "max without () (smtp_dane_dnssec_secure{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"})",
          format: "table",
          instant: true,
          legendFormat: "__auto",
          range: false,
          refId: "C",
        },
      ],
      title: "MX hosts",
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
              module: true,
              target: true,
            },
            indexByName: {
              "Value #A": 1,
              "Value #B": 2,
              "Value #C": 3,
              instance: 4,
              mx: 0,
            },
            renameByName: {
              "Value #A": "MTA-STS covered",
              "Value #B": "TLSA records",
              "Value #C": "DNSSEC secure",
            },
          },
        },
      ],
      type: "table",
    },
    {
      datasource: {
        type: "prometheus",
        uid: "${datasource}",
      },
      description: "The id of the _mta-sts TXT record (smtp_mta_sts_policy_id_info); it changes when the policy does.",
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
      gridPos: {
        h: 7,
        w: 8,
        x: 16,
        y: 37,
      },
      id: 20,
      options: {
        colorMode: "none",
        graphMode: "none",
        justifyMode: "auto",
        orientation: "auto",
        reduceOptions: {
          calcs: [
            "lastNotNull",
          ],
          fields: "",
          values: false,
        },
        textMode: "name",
      },
      targets: [
        {
          datasource: {
            type: "prometheus",
            uid: "${datasource}",
          },
          expr: "smtp_mta_sts_policy_id_info{job=~\"$job\",instance=~\"$instance\",target=\"$domain\"}",
          instant: true,
          legendFormat: "{{id}}",
          range: false,
          refId: "A",
        },
      ],
      title: "MTA-STS policy id",
      type: "stat",
    },
  ],
  refresh: "1m",
  schemaVersion: 37,
  style: "dark",
  tags: [
    "smtp",
    "smtp_exporter",
    "mail_domain",
  ],
  templating: {
    list: [
      {
        current: {},
        hide: 0,
        includeAll: false,
        label: "Data source",
        multi: false,
        name: "datasource",
        options: [],
        query: "prometheus",
        refresh: 1,
        regex: "",
        skipUrlSync: false,
        type: "datasource",
      },
      {
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
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_probe_success{%(exporterSelector)s}, job)" % p,
        hide: 0,
        includeAll: true,
        label: "Job",
        multi: true,
        name: "job",
        options: [],
        query: "label_values(smtp_probe_success{%(exporterSelector)s}, job)" % p,
        refresh: 2,
        regex: "",
        skipUrlSync: false,
        sort: 1,
        type: "query",
      },
      {
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
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_domain_success{job=~\"$job\"}, instance)",
        hide: 0,
        includeAll: true,
        label: "Exporter",
        multi: true,
        name: "instance",
        options: [],
        query: "label_values(smtp_domain_success{job=~\"$job\"}, instance)",
        refresh: 2,
        regex: "",
        skipUrlSync: false,
        sort: 1,
        type: "query",
      },
      {
        current: {},
        datasource: {
          type: "prometheus",
          uid: "${datasource}",
        },
        definition: "label_values(smtp_domain_success{job=~\"$job\",instance=~\"$instance\"}, target)",
        hide: 0,
        includeAll: false,
        label: "Domain",
        multi: false,
        name: "domain",
        options: [],
        query: "label_values(smtp_domain_success{job=~\"$job\",instance=~\"$instance\"}, target)",
        refresh: 2,
        regex: "",
        skipUrlSync: false,
        sort: 1,
        type: "query",
      },
    ],
  },
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
  timezone: "browser",
  title: "SMTP / Mail domain",
  uid: "smtp-domain",
  version: 1,
  weekStart: "",
}
