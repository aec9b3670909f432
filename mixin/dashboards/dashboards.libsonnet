// The Grafana dashboards, each a function of the parameters below (_config and the windows of
// the burn-rate alerts) that returns plain dashboard JSON.
{
  local config = $._config,
  local page = config.burnRateWindows[0],
  local ticket = config.burnRateWindows[std.length(config.burnRateWindows) - 1],
  local p = config {
    pageLong: page.long,
    pageShort: page.short,
    pageFactor: page.factor,
    ticketLong: ticket.long,
    ticketShort: ticket.short,
    ticketFactor: ticket.factor,
  },

  grafanaDashboards+:: {
    'smtp-overview.json': (import 'smtp-overview.libsonnet')(p),
    'smtp-target.json': (import 'smtp-target.libsonnet')(p),
    'smtp-domain.json': (import 'smtp-domain.libsonnet')(p),
  },
}
