#!/bin/sh
# Test stand-in for the config_* helpers of OpenWrt's /lib/functions.sh, reading UCI
# files from $UCI_CONFIG_DIR. Only what the tests' fixtures use: named sections and
# `option name 'value'` / `option name value` lines.

config_load() {
	_cfg_file="${UCI_CONFIG_DIR:?}/$1"
	_cfg_data=""
	[ -f "$_cfg_file" ] || return 0
	_cfg_data=$(awk '
		$1 == "config" { sec = $3; gsub("'\''", "", sec); next }
		$1 == "option" && sec != "" {
			val = $0
			sub(/^[ \t]*option[ \t]+[A-Za-z0-9_]+[ \t]*/, "", val)
			gsub("'\''", "", val)
			print sec "." $2 "=" val
		}' "$_cfg_file")
}

config_get() {
	# config_get VAR SECTION OPTION [DEFAULT]
	_cfg_val=$(printf '%s\n' "$_cfg_data" | sed -n "s/^$2\\.$3=//p" | tail -n1)
	[ -n "$_cfg_val" ] || _cfg_val=$4
	eval "$1=\$_cfg_val"
}

config_get_bool() {
	config_get "$1" "$2" "$3" "$4"
	eval "_cfg_val=\$$1"
	case "$_cfg_val" in
	1|on|true|yes|enabled) eval "$1=1" ;;
	0|off|false|no|disabled) eval "$1=0" ;;
	*) eval "$1=\$4" ;;
	esac
}
