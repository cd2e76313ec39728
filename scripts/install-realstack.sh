#!/usr/bin/env bash
# Installs the Debian packages of the real mail stack that the test suite runs
# (Postfix with postscreen, Dovecot, fail2ban, rsyslog, openssl), the DNS
# server the DNS checks are tested against (dnsmasq), nftables (mitigate's
# set file is checked with nft -c), logger and systemd-journal-remote (the
# syslog and journal sources are tested with them) and the reference tools
# the benchmark compares against. Runs only as root and only
# installs what is missing; a policy-rc.d keeps the packages from starting
# their daemons, so nothing on the machine starts listening.
set -euo pipefail

packages=(postfix dovecot-core dovecot-imapd dovecot-pop3d fail2ban rsyslog openssl pflogsumm python3-systemd chromium dnsmasq-base nftables diffutils patch bsdutils systemd-journal-remote)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-realstack: all packages present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-realstack: missing ${missing[*]}; run as root (or: sudo apt-get install ${missing[*]})" >&2
  echo "install-realstack: continuing; the real-stack tests will fail with a message unless MAILWARDEN_SKIP_REALSTACK=1" >&2
  exit 0
fi

policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod 755 "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
echo "postfix postfix/mailname string localhost" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-realstack: installed ${missing[*]}"
