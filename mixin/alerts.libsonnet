// The alerting rules of smtp_exporter, in four groups: the probed servers, mail domains, mail
// loops and the exporter itself. Thresholds and selectors come from _config (config.libsonnet);
// every rule keeps the series' own labels (job, instance, target, module, the targets' labels),
// so alerts can be routed on them. The recording rules they read are in rules.libsonnet.
{
  local config = $._config,

  // SMTPQoSBudgetBurn for one window pair of _config.burnRateWindows (Google SRE workbook,
  // "Alerting on SLOs": multiwindow, multi-burn-rate): the error ratio over the long window and
  // over the short one both above factor x the error budget (1 - objective).
  local burnRateAlert(w) = {
    local budget = '(%(factor)g * (1 - %(objective)g))' % { factor: w.factor, objective: config.sloObjective },
    local params = w { objective: config.sloObjectivePercent, days: config.sloPeriodDays,
                       lasts: std.floor(config.sloPeriodDays / w.factor) },
    alert: 'SMTPQoSBudgetBurn',
    expr: |||
      smtp:probe_qos_errors:ratio_rate%(long)s > %(budget)s
      and
      smtp:probe_qos_errors:ratio_rate%(short)s > %(budget)s
    ||| % { long: w.long, short: w.short, budget: budget },
    'for': w['for'],
    labels: { severity: w.severity },
    annotations: {
      summary: 'SMTP QoS error budget of {{ $labels.target }} burns %(factor)gx too fast' % w,
      description: '{{ $value | humanizePercentage }} of the probes of {{ $labels.target }} (module {{ $labels.module }}) missed the QoS time or failed (ELM 5511/5509) over the last %(long)s, and still do over %(short)s. That spends the error budget of the objective (%(objective)s of the probes in 5510) at least %(factor)g times as fast as it allows: a %(days)d-day budget would last %(lasts)d days or less. Check first whether the probes fail (smtp_probe_failures_total by reason) or are only slow (smtp_probe_events_total{event="5511"}, phase durations).' % params,
    },
  },

  prometheusAlerts+:: {
    groups+: [
      {
        name: 'smtp_exporter.servers',
        rules: [
          {
            alert: 'SMTPServerDown',
            // Failed probes (5509) keep coming and the last probe failed, for 5 minutes. Only
            // address targets (no mx label): the addresses of a mail domain are
            // SMTPDomainAddressDown and SMTPDomainUnreachable below.
            expr: |||
              smtp_probe_success{%(exporterSelector)s, mx=""} == 0
              and ignoring (event)
              smtp:probe_events:rate5m{event="5509"} > 0
            ||| % config,
            'for': '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "SMTP server {{ $labels.target }} is down",
              description: "Every probe of {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}) has failed (ELM event 5509) for 5 minutes. Check first which reason smtp_probe_failures_total{target=\"{{ $labels.target }}\"} counts: connect_refused/connect_timeout -> is the MTA running and its port reachable from the exporter; resolve -> DNS; greeting_*/ehlo_* -> the server's answers (smtp_reply_code); qos_exceeded -> no 250 to EHLO within 2 x QoS.",
            },
          },
          {
            alert: 'SMTPQoSDegraded',
            // Value: share of EHLO latencies within the QoS time over 30m. Fires when that share is
            // below _config.qosShareObjective, or when QoS warnings (5511) arrived in every 5m window
            // for 15 minutes.
            expr: |||
              smtp:ehlo_within_qos:ratio_rate30m
              and
              (
                  smtp:ehlo_within_qos:ratio_rate30m < %(qosShareObjective)g
                or
                  sum without (event) (smtp:probe_events:rate5m{event="5511"}) > 0
              )
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "SMTP QoS degraded on {{ $labels.target }}",
              description: "The QoS of {{ $labels.target }} (module {{ $labels.module }}) is degraded: {{ $value | humanizePercentage }} of its EHLO replies came within the QoS time over the last 30m (objective %(qosShareObjectivePercent)s), and/or QoS warnings (ELM 5511) arrived in every 5m window for 15m. Check first the phase durations (smtp_probe_phase_duration_seconds: slow connect -> network, slow greeting -> server load or greet pause, slow ehlo -> reverse DNS or milters on the server)." % config,
            },
          },
        ] + [burnRateAlert(w) for w in $._config.burnRateWindows] + [
          {
            alert: 'SMTPEHLOSlow',
            // p95 of the QoS latency over 30m above the target's QoS time.
            expr: |||
              smtp:ehlo_duration_seconds:p95_rate30m > smtp_qos_timeout_seconds{%(exporterSelector)s}
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "EHLO of {{ $labels.target }} is slower than its QoS time",
              description: "The 95th percentile of the time from connect to the final 250 to EHLO of {{ $labels.target }} (module {{ $labels.module }}) is {{ $value | humanizeDuration }} over the last 30m, above the QoS time (smtp_qos_timeout_seconds). Check first which phase grew (smtp_probe_phase_duration_seconds{target=\"{{ $labels.target }}\"}): connect -> network path, greeting -> server load or a deliberate greet pause, ehlo -> reverse DNS or milters on the server.",
            },
          },
          {
            alert: 'SMTPCertificateExpiringSoon',
            expr: |||
              smtp:tls_cert_expiry:seconds < 14 * 86400
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "TLS certificate of {{ $labels.target }} expires within 14 days",
              description: "A certificate presented by {{ $labels.target }} (module {{ $labels.module }}{{ with $labels.mx }}, MX {{ . }}{{ end }}{{ with $labels.address }}, address {{ . }}{{ end }}, the server's own or one in its chain) expires in {{ $value | humanizeDuration }}, less than 14 days. Check first which certificate it is (smtp_tls_cert_not_after_timestamp_seconds: the server's own, smtp_tls_chain_not_after_timestamp_seconds: the earliest in its chain), whether renewal (e.g. certbot/ACME) ran, and whether the MTA was reloaded after it.",
            },
          },
          {
            alert: 'SMTPCertificateExpiringSoon',
            expr: |||
              smtp:tls_cert_expiry:seconds < 3 * 86400
            ||| % config,
            'for': '15m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "TLS certificate of {{ $labels.target }} expires within 3 days",
              description: "A certificate presented by {{ $labels.target }} (module {{ $labels.module }}{{ with $labels.mx }}, MX {{ . }}{{ end }}{{ with $labels.address }}, address {{ . }}{{ end }}, the server's own or one in its chain) expires in {{ $value | humanizeDuration }}, less than 3 days; senders that verify certificates will soon refuse to deliver. Check first which certificate it is (smtp_tls_cert_not_after_timestamp_seconds: the server's own, smtp_tls_chain_not_after_timestamp_seconds: the earliest in its chain), whether renewal (e.g. certbot/ACME) ran, and whether the MTA was reloaded after it.",
            },
          },
          {
            alert: 'SMTPCertificateInvalid',
            expr: |||
              smtp_tls_cert_verified{%(exporterSelector)s} == 0
            ||| % config,
            'for': '15m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "TLS certificate of {{ $labels.target }} does not verify",
              description: "The certificate {{ $labels.target }} (module {{ $labels.module }}) presents did not verify against the exporter's trust store. Senders enforcing MTA-STS or DANE will not deliver. Check first the name and chain (openssl s_client -starttls smtp -connect {{ $labels.target }} -showcerts): expired, missing intermediate, or a name that does not match the MX host.",
            },
          },
          {
            alert: 'SMTPOpenRelay',
            // A recipient that must be refused (a step with `expect: reject`, such as a foreign
            // domain on an MX) was accepted in the last 10 minutes: the server relays for anyone.
            expr: |||
              increase(smtp_probe_failures_total{%(exporterSelector)s, reason="rcpt_accepted"}[10m]) > 0
            ||| % config,
            'for': '1m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "SMTP server {{ $labels.target }} accepts mail it must refuse (open relay?)",
              description: "A RCPT TO step of {{ $labels.target }} (module {{ $labels.module }}) that must be refused was accepted: for a foreign domain this is an open relay, which spammers find within hours and which puts the server on block lists. Check first which step failed (smtp_step_success{target=\"{{ $labels.target }}\"} == 0) and the server's relay restrictions (Postfix: smtpd_relay_restrictions, mynetworks).",
            },
          },
          {
            alert: 'SMTPAuthOfferedBeforeTLS',
            // AUTH advertised on a connection without TLS: clients may send passwords in clear.
            expr: |||
              smtp_auth_offered_before_tls{%(exporterSelector)s} == 1
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "SMTP server {{ $labels.target }} offers AUTH without TLS",
              description: "{{ $labels.target }} (module {{ $labels.module }}) advertises AUTH before STARTTLS, so a client can send its password in clear. Check first the server's TLS-only setting for authentication (Postfix: smtpd_tls_auth_only = yes; Dovecot submission: disable_plaintext_auth).",
            },
          },
          {
            alert: 'SMTPProbeFailed',
            // Blackbox-style probing through /probe (the Probe resource, the smtp_probe job):
            // Prometheus asks the exporter to probe on every scrape, and the last 5 minutes of
            // those probes failed. The exporter's own targets are SMTPServerDown above.
            expr: |||
              probe_success{%(probeSelector)s} == 0
            ||| % config,
            'for': '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "SMTP probe of {{ $labels.instance }} fails",
              description: "Every probe of {{ $labels.instance }} that Prometheus asked of the exporter through /probe (job {{ $labels.job }}) has failed for 5 minutes. Check first the reason: probe_smtp_failure{instance=\"{{ $labels.instance }}\"} == 1 (or the same /probe URL with debug=true, which shows the dialog); connect_refused/connect_timeout -> is the MTA running and its port reachable from the exporter; greeting_*/ehlo_* -> the server's answers; qos_exceeded -> no 250 to EHLO within 2 x QoS.",
            },
          },
        ],
      },
      {
        name: 'smtp_exporter.domains',
        rules: [
          {
            alert: 'SMTPDomainAddressDown',
            // One (MX, address) of a domain failed its last probes while the domain as a whole still
            // passes (another address is up): mail still gets in, through the others. When no
            // address is up, SMTPDomainUnreachable fires instead.
            expr: |||
              smtp_probe_success{%(exporterSelector)s, mx!=""} == 0
              and on (job, instance, target, module)
              smtp_domain_success{%(exporterSelector)s} == 1
            ||| % config,
            'for': '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "MX {{ $labels.mx }} ({{ $labels.address }}) of {{ $labels.target }} is down",
              description: "The {{ $labels.family }} address {{ $labels.address }} of MX {{ $labels.mx }} of the mail domain {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}) has failed its probes for 10 minutes, while other addresses of the domain pass: senders fall back to them, with delays. Check first which reason smtp_probe_failures_total{target=\"{{ $labels.target }}\",address=\"{{ $labels.address }}\"} counts: connect_refused/connect_timeout -> is the MTA running on that host and reachable over {{ $labels.family }} (firewall, routing); greeting_*/ehlo_* -> that server's answers; and whether the address in DNS is still the host's.",
            },
          },
          {
            alert: 'SMTPDomainUnreachable',
            // No address of the domain passed (or its mail cannot be routed at all: DNS failure, or a
            // null MX where none is expected): senders cannot deliver to the domain.
            expr: |||
              smtp_domain_success{%(exporterSelector)s} == 0
            ||| % config,
            'for': '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "Mail domain {{ $labels.target }} is unreachable",
              description: "No sender can deliver mail to {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}): for 5 minutes none of its MX addresses passed a probe, or its mail could not be routed. Check first smtp_domain_dns_failure{target=\"{{ $labels.target }}\"} == 1 (nxdomain, servfail, bogus DNSSEC, timeout, or MX hosts without addresses: the zone and its resolvers), then smtp_domain_null_mx (a null MX: the domain accepts no mail; set expect_null_mx if that is intended), then the per-address smtp_probe_success and smtp_probe_failures_total{target=\"{{ $labels.target }}\"} by mx and address.",
            },
          },
          {
            alert: 'SMTPDomainIPv6Broken',
            // The domain's MX hosts have IPv6 addresses, none of them passed, while an IPv4 address
            // did: IPv6-only senders, and senders that try IPv6 first, fail or wait.
            expr: |||
              smtp_domain_addresses{%(exporterSelector)s, family="ip6"} > 0
              and ignoring (family)
              smtp_domain_addresses_up{%(exporterSelector)s, family="ip6"} == 0
              and ignoring (family)
              smtp_domain_addresses_up{%(exporterSelector)s, family="ip4"} > 0
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "IPv6 mail to {{ $labels.target }} fails, IPv4 works",
              description: "None of the {{ $value }} IPv6 addresses of the MX hosts of {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}) passed a probe for 15 minutes, while IPv4 addresses do. Check first whether the exporter itself has IPv6 connectivity (an address target over IPv6, or ping6 from its host), then smtp_probe_failures_total{target=\"{{ $labels.target }}\",family=\"ip6\"} by reason: connect_timeout -> firewall or routing for IPv6; connect_refused -> the MTA does not listen on IPv6 (Postfix: inet_protocols); and whether the AAAA records still point to the hosts.",
            },
          },
          {
            alert: 'SMTPDomainStartTLSInconsistent',
            // The domain's addresses disagree on STARTTLS: some offer it (or establish TLS), some
            // not. Mail through the others travels in clear, and MTA-STS or DANE senders defer it.
            expr: |||
              smtp_domain_consistent{%(exporterSelector)s, aspect="starttls"} == 0
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "MX hosts of {{ $labels.target }} disagree on STARTTLS",
              description: "The probed addresses of the MX hosts of {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}) do not all offer STARTTLS (or, with a TLS module, do not all establish TLS), for 15 minutes. Check first which addresses lack it: smtp_ehlo_extension_info{target=\"{{ $labels.target }}\",extension=\"STARTTLS\"} and smtp_probe_failures_total{reason=~\"starttls_.*|tls_.*\"} by mx and address; often one host (a backup MX, or the IPv6 listener) was left with another TLS configuration (Postfix: smtpd_tls_security_level, the smtpd services in master.cf).",
            },
          },
          {
            alert: 'SMTPMTASTSMXNotCovered',
            // The domain's MTA-STS policy is in enforce mode and one of its MX hosts matches no mx
            // pattern of the policy: compliant senders refuse to deliver to that MX.
            expr: |||
              smtp_mta_sts_mx_covered{%(exporterSelector)s} == 0
              and on (job, instance, target, module)
              smtp_mta_sts_mode{%(exporterSelector)s, mode="enforce"} == 1
            ||| % config,
            'for': '15m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "MX {{ $labels.mx }} of {{ $labels.target }} is not in its enforced MTA-STS policy",
              description: "The MTA-STS policy of {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}) is in enforce mode, and the MX host {{ $labels.mx }} matches none of its mx patterns: senders that honour MTA-STS will not deliver to it (and not at all if it is the only MX). Check first the policy at https://mta-sts.{{ $labels.target }}/.well-known/mta-sts.txt against the MX records (dig MX {{ $labels.target }}); after changing the policy, change the id of the _mta-sts TXT record (smtp_mta_sts_policy_id_info) so senders fetch it again.",
            },
          },
          {
            alert: 'SMTPDANEMismatch',
            // The certificate chain an address presented matches no usable TLSA record of its MX:
            // DANE senders (RFC 7672) refuse to deliver to it.
            expr: |||
              smtp_dane_match{%(exporterSelector)s} == 0
            ||| % config,
            'for': '15m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "DANE mismatch on MX {{ $labels.mx }} ({{ $labels.address }}) of {{ $labels.target }}",
              description: "The certificate that {{ $labels.address }} of MX {{ $labels.mx }} of {{ $labels.target }} (module {{ $labels.module }}, exporter {{ $labels.instance }}) presented matches none of the TLSA records of _25._tcp.{{ $labels.mx }}, for 15 minutes: senders that use DANE will not deliver to it. Check first whether the certificate or key was renewed without publishing the new TLSA record first (dig TLSA _25._tcp.{{ $labels.mx }}; smtp_dane_tlsa_records{mx=\"{{ $labels.mx }}\"}), and whether every address of the MX serves the same certificate (smtp_tls_cert_info by address).",
            },
          },
        ],
      },
      {
        name: 'smtp_exporter.loops',
        rules: [
          {
            alert: 'SMTPLoopMessageLost',
            // A message the sending server accepted was not in the mailbox within the loop's timeout:
            // mail is stuck or gone somewhere between the two.
            expr: |||
              increase(smtp_loop_lost_total{%(exporterSelector)s}[30m]) > 0
            ||| % config,
            'for': '0m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "Mail loop {{ $labels.loop }} lost a message",
              description: "A probe message of the mail loop {{ $labels.loop }} (exporter {{ $labels.instance }}) was accepted by the sending server but not found in the mailbox within the loop's timeout. Check first smtp_loop_receive_up{loop=\"{{ $labels.loop }}\"} (the exporter cannot look into the mailbox: see smtp_loop_receive_failures_total), then the sending server's queue (postqueue -p: deferred mail and why, e.g. the LMTP or local delivery to the mailbox server failing), then the mailbox server's delivery log. A message found later counts in smtp_loop_late_total.",
            },
          },
          {
            alert: 'SMTPLoopSlow',
            // Mail arrives, but late: the last messages took more than 5 minutes from the 250 after
            // DATA to the mailbox.
            expr: |||
              smtp_loop_last_roundtrip_seconds{%(exporterSelector)s} > 300
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "Mail loop {{ $labels.loop }} takes {{ $value | humanizeDuration }}",
              description: "The last probe message of the mail loop {{ $labels.loop }} (exporter {{ $labels.instance }}) took {{ $value | humanizeDuration }} from the sending server's 250 to the mailbox, above 5 minutes for 15 minutes. Check first the sending server's queue (postqueue -p: a growing active or deferred queue, a slow content filter), then smtp_loop_last_queue_seconds{loop=\"{{ $labels.loop }}\"} (the time the Received: headers show between the first and the last hop, clock-dependent) to see whether the delay is in the relays or after them.",
            },
          },
          {
            alert: 'SMTPLoopJunk',
            // The probe message was filed into a junk folder: a filter now takes ordinary mail from
            // the sender for spam.
            expr: |||
              increase(smtp_loop_received_total{%(exporterSelector)s, folder!="INBOX"}[1h]) > 0
            ||| % config,
            'for': '0m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "Mail loop {{ $labels.loop }} lands in {{ $labels.folder }}",
              description: "A probe message of the mail loop {{ $labels.loop }} (exporter {{ $labels.instance }}) was found in the folder {{ $labels.folder }}, not in INBOX, in the last hour: the receiving side files the sender's mail as spam. Check first smtp_loop_auth_results{loop=\"{{ $labels.loop }}\"} (SPF, DKIM and DMARC of the last message), then the spam filter's verdict in the message's headers (X-Spam-Status, the Sieve rule that filed it).",
            },
          },
          {
            alert: 'SMTPLoopDMARCNotPassing',
            // The receiving side's Authentication-Results say DMARC did not pass for the probe
            // message: mail from that sender is at risk of rejection or quarantine elsewhere too.
            expr: |||
              smtp_loop_auth_results{%(exporterSelector)s, method="dmarc",result!="pass"} == 1
            ||| % config,
            'for': '15m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "DMARC {{ $labels.result }} for mail loop {{ $labels.loop }}",
              description: "The Authentication-Results header of the last probe message of the mail loop {{ $labels.loop }} (exporter {{ $labels.instance }}) says dmarc={{ $labels.result }}, for 15 minutes. Check first the spf and dkim results beside it (smtp_loop_auth_results{loop=\"{{ $labels.loop }}\"}): spf fails when the sending server is not in the sender domain's SPF record; dkim fails when the message is not signed or the selector's public key in DNS does not match (a key rotated without publishing it).",
            },
          },
          {
            alert: 'SMTPLoopReceiveDown',
            // The exporter cannot look into the loop's mailbox: no message can be found, so every
            // one will also count as lost.
            expr: |||
              smtp_loop_receive_up{%(exporterSelector)s} == 0
            ||| % config,
            'for': '10m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "Mailbox of mail loop {{ $labels.loop }} unreachable",
              description: "The exporter {{ $labels.instance }} has not been able to look into the mailbox of the mail loop {{ $labels.loop }} for 10 minutes. Check first smtp_loop_receive_failures_total{loop=\"{{ $labels.loop }}\"} by reason: connect or timeout -> is the IMAP server running and reachable; tls_handshake or tls_verify -> its certificate against the loop's tls_config; login -> the account's password (password_file) or a locked account; maildir -> the path and the exporter's permissions on it.",
            },
          },
          {
            alert: 'SMTPLoopSendFailing',
            // No probe message could be handed to the sending server in the last 30 minutes.
            expr: |||
              increase(smtp_loop_send_failures_total{%(exporterSelector)s}[30m]) > 0
              and on (job, instance, loop)
              sum by (job, instance, loop) (increase(smtp_loop_sent_total{%(exporterSelector)s}[30m])) == 0
            ||| % config,
            'for': '15m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "Mail loop {{ $labels.loop }} cannot send ({{ $labels.reason }})",
              description: "The sending server of the mail loop {{ $labels.loop }} (exporter {{ $labels.instance }}) has accepted none of its probe messages for 30 minutes; the failures are counted as {{ $labels.reason }}. Check first that reason in smtp_loop_send_failures_total{loop=\"{{ $labels.loop }}\"}: connect_* -> is the server up and reachable; auth_rejected -> the submission credentials; rcpt_rejected or data_rejected -> the server refuses the recipient or the message (a full disk, a content filter); the exporter's log has the server's reply.",
            },
          },
        ],
      },
      {
        name: 'smtp_exporter.exporter',
        rules: [
          {
            alert: 'SMTPProbesStale',
            expr: |||
              time() - smtp_probe_last_run_timestamp_seconds{%(exporterSelector)s} > %(probeStaleThresholdSeconds)d
            ||| % config,
            'for': '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "Probes of {{ $labels.target }} are stale",
              description: "The last probe of {{ $labels.target }} (module {{ $labels.module }}) on exporter {{ $labels.instance }} finished {{ $value | humanizeDuration }} ago, more than %(probeStaleThresholdSeconds)ds (the staleness threshold: 3 intervals and a margin). Check first whether the exporter skips probes (smtp_exporter_probes_skipped_total, smtp_exporter_probes_in_flight against max_concurrent_probes) or whether the target's interval is longer than the threshold allows." % config,
            },
          },
          {
            alert: 'SMTPExporterConfigReloadFailed',
            expr: |||
              smtp_exporter_config_last_reload_successful{%(exporterSelector)s} == 0
            ||| % config,
            'for': '5m',
            labels: { severity: 'warning' },
            annotations: {
              summary: "smtp_exporter {{ $labels.instance }} failed to reload its configuration",
              description: "The last configuration reload of smtp_exporter on {{ $labels.instance }} (job {{ $labels.job }}) failed; it keeps probing with the previous configuration. Check first the exporter's log for the file:line:column of the error, fix /etc/smtp_exporter/smtp_exporter.yml and reload again (SIGHUP).",
            },
          },
          {
            alert: 'SMTPExporterDown',
            expr: |||
              up{%(exporterSelector)s} == 0
              or
              absent(up{%(exporterSelector)s})
            ||| % config,
            'for': '5m',
            labels: { severity: 'critical' },
            annotations: {
              summary: "smtp_exporter {{ with $labels.instance }}{{ . }} {{ end }}is down",
              description: "Prometheus cannot scrape smtp_exporter{{ with $labels.instance }} on {{ . }}{{ end }} (selector %(exporterSelector)s), so the SMTP servers it probes are not being watched. Check first whether the process/container runs (systemctl status smtp_exporter, kubectl get pods) and listens on :9025, then the scrape target's error on Prometheus' /targets page." % config,
            },
          },
        ],
      },
    ],
  },
}
