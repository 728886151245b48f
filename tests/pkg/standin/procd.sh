#!/bin/sh
# Test stand-in for OpenWrt's /lib/functions/procd.sh inside the package-test chroot
# (tests/pkg/test_pkg.py, "Install, upgrade and remove with scripts"). OpenWrt's real
# /etc/rc.common sources it; instead of sending JSON to procd over ubus it records each
# request in /tmp/procd.log and keeps what procd would know in /var/run/procd-standin/:
# one file per running service, holding the instance's command line, the md5 of each
# watched file and the identity (inode, sha256) of the program it "started".
#
# procd's rules modelled (procd service/instance.c, instance_config_changed): `service
# set` with the same command and the same watched-file md5s leaves the running instance
# alone; a changed watched file with reload_signal set gets that signal; any other change
# restarts; a service set without an instance stops it; `service delete` stops it.
# shellcheck disable=SC3043 # busybox ash has `local`

PROCD_STATE=/var/run/procd-standin
PROCD_LOG=/tmp/procd.log

_procd_log() {
	printf '%s\n' "$*" >>"$PROCD_LOG"
}

procd_lock() { :; }

procd_open_service() {
	_procd_service=$1
	_procd_command=
	_procd_files=
	_procd_reload_signal=
	_procd_in_instance=
	_procd_log "open_service $1"
}

procd_open_instance() {
	_procd_in_instance=1
	_procd_log "open_instance $*"
}

procd_close_instance() {
	_procd_in_instance=
	_procd_log "close_instance"
}

procd_set_param() {
	local key="$1"
	shift
	case "$key" in
	command) _procd_command="$*" ;;
	file) _procd_files="$*" ;;
	reload_signal) _procd_reload_signal=$1 ;;
	esac
	_procd_log "set_param $key $*"
}

procd_append_param() {
	local key="$1"
	shift
	case "$key" in
	command) _procd_command="$_procd_command $*" ;;
	file) _procd_files="$_procd_files $*" ;;
	esac
	_procd_log "append_param $key $*"
}

procd_add_reload_trigger() { _procd_log "trigger reload $*"; }
procd_add_interface_trigger() { _procd_log "trigger interface $*"; }
procd_add_reload_interface_trigger() { _procd_log "trigger reload_interface $*"; }
procd_add_config_trigger() { _procd_log "trigger config $*"; }
procd_add_raw_trigger() { _procd_log "trigger raw $*"; }
procd_open_trigger() { :; }
procd_close_trigger() { :; }
procd_add_validation() { :; }
procd_set_config_changed() { _procd_log "config_changed $*"; }

# The watched files' md5s, as procd compares them.
_procd_files_md5() {
	local f
	for f in $_procd_files; do
		if [ -f "$f" ]; then md5sum "$f"; else echo "- $f"; fi
	done
}

# What procd would run: the program's inode and content, so a test can tell which binary
# the running instance is.
_procd_exec_identity() {
	local prog="${_procd_command%% *}"
	printf 'inode=%s sha256=%s' "$(stat -c %i "$prog")" \
		"$(sha256sum "$prog" | { read -r s _ && echo "$s"; })"
}

_procd_start() {
	mkdir -p "$PROCD_STATE"
	{
		printf 'command=%s\n' "$_procd_command"
		printf 'files=%s\n' "$(_procd_files_md5 | tr '\n' ' ')"
		printf 'exec=%s\n' "$(_procd_exec_identity)"
	} >"$PROCD_STATE/$_procd_service"
	_procd_log "start $_procd_service $(_procd_exec_identity)"
}

procd_close_service() {
	local state="$PROCD_STATE/$_procd_service"
	# As procd.sh's _procd_close_service: the triggers (and data) go with the service.
	service_triggers
	service_data
	_procd_log "close_service ${1:-set}"
	if [ -z "$_procd_command" ]; then
		if [ -f "$state" ]; then
			rm -f "$state"
			_procd_log "stop $_procd_service"
		fi
		return 0
	fi
	if [ ! -f "$state" ]; then
		_procd_start
	elif [ "$(sed -n 's/^command=//p' "$state")" != "$_procd_command" ]; then
		_procd_log "restart $_procd_service (command changed)"
		_procd_start
	elif [ "$(sed -n 's/^files=//p' "$state")" != "$(_procd_files_md5 | tr '\n' ' ')" ]; then
		if [ -n "$_procd_reload_signal" ]; then
			sed -i "s|^files=.*|files=$(_procd_files_md5 | tr '\n' ' ')|" "$state"
			_procd_log "signal $_procd_service $_procd_reload_signal"
		else
			_procd_log "restart $_procd_service (file changed)"
			_procd_start
		fi
	else
		_procd_log "unchanged $_procd_service"
	fi
}

procd_kill() {
	_procd_log "kill $*"
	if [ -f "$PROCD_STATE/$1" ]; then
		rm -f "$PROCD_STATE/$1"
		_procd_log "stop $1"
	fi
}

procd_send_signal() {
	_procd_log "signal $*"
}

procd_running() {
	[ -f "$PROCD_STATE/$1" ]
}

_procd_status() {
	if [ -f "$PROCD_STATE/$1" ]; then
		echo "running"
		return 0
	fi
	echo "inactive"
	return 3
}
