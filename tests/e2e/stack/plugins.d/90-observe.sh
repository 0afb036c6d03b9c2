# SPDX-License-Identifier: BSD-2-Clause
# tests/e2e/stack/plugins.d/90-observe.sh: the observability stack (E2E_OBSERVE=1, the
# fixture e2e_observe in tests/e2e/CMakeLists.txt); does nothing otherwise.
# Every cachet daemon logs with `LogFormat json` and serves Prometheus metrics on loopback
# inside the namespace (MetricsListen 127.0.0.1:912x; cachet-spf runs as a socket server,
# 20-spf.sh); cachet-dkim and cachet-dmarc also count per domain for a MetricsDomains list. A real Prometheus server (Debian's prometheus) scrapes them every second, with
# a generated configuration and its own data directory under $STACK/prometheus; stack/stop
# ends it by its pid like every stack_daemon. Without the prometheus binary the stack still
# starts (JSON logs and the endpoints are tested) and scenarios/observe.py's Prometheus check
# skips, saying so. Plugins run in name order, so the daemons' files exist by now.
[ "${E2E_OBSERVE:-0}" = 1 ] || return 0
OBSERVE_PORTS=(dkim:9121 dmarc:9122 spf:9123 sender:9124)
PROMETHEUS_PORT=9090
observe_targets=""
for entry in "${OBSERVE_PORTS[@]}"; do
  daemon=${entry%%:*} port=${entry##*:}
  conf=$STACK/etc/$daemon.conf
  [ "$daemon" = spf ] && conf=$STACK/etc/policyd-spf.conf
  [ -e "$conf" ] || { echo "90-observe.sh: $conf missing (plugin for $daemon not loaded?)" >&2; exit 1; }
  if [ "$daemon" = spf ]; then
    printf 'LogFormat = json\nMetricsListen = 127.0.0.1:%s\n' "$port" >> "$conf"
  else
    printf 'LogFormat\tjson\nMetricsListen\t127.0.0.1:%s\n' "$port" >> "$conf"
  fi
  # The per-domain series (bounded allow-list): scenarios/observe.py's METRICS_DOMAINS.
  case $daemon in
    dkim) printf 'MetricsDomains\texample.test\n' >> "$conf" ;;
    dmarc) printf 'MetricsDomains\toutside.test, spoofed.test\n' >> "$conf" ;;
  esac
  observe_targets+="  - job_name: $daemon
    static_configs:
      - targets: ['127.0.0.1:$port']
"
done
stack_fact E2E_OBSERVE 1
stack_fact E2E_METRICS_PORTS "${OBSERVE_PORTS[*]}"
PROMETHEUS_BIN=${E2E_PROMETHEUS_BIN:-prometheus}   # a missing name shows the skip path
if command -v "$PROMETHEUS_BIN" >/dev/null 2>&1; then
  install -d -o nobody -g nogroup -m 0750 "$STACK/prometheus"
  cat > "$STACK/etc/prometheus.yml" <<YML
# written by tests/e2e/stack/plugins.d/90-observe.sh for stack $NETNS
global:
  scrape_interval: 1s
  scrape_timeout: 900ms
scrape_configs:
$observe_targets
YML
  chmod 0644 "$STACK/etc/prometheus.yml"
  stack_daemon prometheus "tcp:$PROMETHEUS_PORT" setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$PROMETHEUS_BIN" --config.file="$STACK/etc/prometheus.yml" --storage.tsdb.path="$STACK/prometheus" \
    --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --storage.tsdb.retention.time=1d --log.level=warn
  stack_fact E2E_PROMETHEUS "127.0.0.1:$PROMETHEUS_PORT"
else
  say "90-observe: no $PROMETHEUS_BIN (Debian package prometheus, scripts/packages.d/metrics.txt): e2e.observe.metrics will skip"
fi
