// smtp_exporter's monitoring mixin: prometheusRules (recording), prometheusAlerts and
// grafanaDashboards, tuned through _config (config.libsonnet). alerts/smtp_exporter.rules.yml
// and dashboards/*.json are rendered from it by scripts/render-mixin.py.
(import 'config.libsonnet') +
(import 'rules.libsonnet') +
(import 'alerts.libsonnet') +
(import 'dashboards/dashboards.libsonnet')
