# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
#
# tests/bench/scenarios/sender.sh: cachet-sender alone (issue 4 s5): Postfix's own
# reject_sender_login_mismatch has no separate process to measure, so there is no peer.
# Maps (generated here): a 1,000-rule pcre map and a 100,000-entry texthash map; requests
# alternate an owned sender (permit: DUNNO) and a foreign one (553 5.7.1 ... not owned).
# Ours: cachet-sender in socket mode (-f), maps named directly (PostfixMainCf none, so the
# machine's own /etc/postfix/main.cf plays no part).

sender_setup() {
  local i
  for ((i = 0; i < 1000; i++)); do printf '/^user%d@d%d\\.bench\\.example$/ u%d\n' "$i" "$i" "$i"; done \
    > "$W/data/sendas-1000.pcre"
  awk 'BEGIN { for (i = 0; i < 100000; i++) printf "user%d@bench.example u%d\n", i, i }' \
    > "$W/data/sendas-100k.texthash"
  for map in pcre texthash; do
    local owned=user999@d999.bench.example foreign=user998@d998.bench.example login=u999
    if [ $map = texthash ]; then owned=user99999@bench.example foreign=user5@bench.example login=u99999; fi
    {
      printf 'request=smtpd_access_policy\nprotocol_state=MAIL\nclient_address=198.51.100.7\n'
      printf 'sasl_method=PLAIN\nsasl_username=%s\nsender=%s\ninstance=\n\n' "$login" "$owned"
      printf 'request=smtpd_access_policy\nprotocol_state=MAIL\nclient_address=198.51.100.7\n'
      printf 'sasl_method=PLAIN\nsasl_username=%s\nsender=%s\ninstance=\n' "$login" "$foreign"
    } > "$W/data/sender-$map.req"
  done
}

sender_ours() {  # $1 = pcre|texthash
  bench_need_bin cachet-sender || return 77
  local map=$W/data/sendas-1000.pcre type=pcre
  [ "$1" = texthash ] && map=$W/data/sendas-100k.texthash type=texthash
  printf 'Socket unix:%s\nSenderLoginMaps %s:%s\nPostfixMainCf none\n' \
    "$W/csnd-$1.sock" "$type" "$map" > "$W/etc/csnd-$1.conf"
  rm -f "$W/csnd-$1.sock"
  bench_start "csnd-$1" "$BENCH_BINARY" -f -c "$W/etc/csnd-$1.conf"
  SERVER_PID=$BENCH_PID SERVER_SOCKET=unix:$W/csnd-$1.sock
}
sender_ours_pcre() { sender_ours pcre; }
sender_ours_texthash() { sender_ours texthash; }

sender_cases() {
  bench_case policy sender-pcre-1000 "sender login, 1,000-rule pcre map" - sender_ours_pcre \
    -- --requests "$W/data/sender-pcre.req" --expect-action DUNNO --expect-action 553
  bench_case policy sender-texthash-100k "sender login, 100,000-entry texthash map" - sender_ours_texthash \
    -- --requests "$W/data/sender-texthash.req" --expect-action DUNNO --expect-action 553
}
