'use strict';
'require view';
'require poll';
'require rpc';
'require dom';

// Reads the daemon's status document (src/status.rs: Status, WanStatus, HostStatus,
// ForwardStatus, Warning) through the rpcd plugin /usr/libexec/rpcd/homeport.
var callStatus = rpc.declare({
	object: 'homeport',
	method: 'status',
	expect: { '': {} }
});

// Headlines for the daemon's stable warning codes (src/addr/reach.rs, src/daemon); the
// daemon's own message, already in plain words, says what it means and what to do.
var warningTitles = {
	cgnat: _('Behind carrier-grade NAT (CGNAT): not reachable over IPv4'),
	private_wan: _('Private WAN address: another router is in front of this one'),
	not_public_wan: _('The WAN address is not a public internet address'),
	double_nat: _('Double NAT: forwarded ports are not reachable from the internet'),
	no_ipv4: _('No IPv4 address on the WAN'),
	no_ipv6: _('No IPv6 address on the WAN'),
	wan: _('The WAN interface cannot be used'),
	forward: _('The port forward table has a problem'),
	lint: _('A port forward has a safety problem'),
	config: _('The configuration has a problem')
};

var hostStates = {
	ok: _('Up to date'),
	pending: _('Update due'),
	backoff: _('Waiting to retry'),
	stopped: _('Stopped: needs a configuration change'),
	disabled: _('Disabled'),
	blocked: _('Blocked: no address that can be published')
};

function fmtTime(ts) {
	if (ts == null)
		return '-';
	var d = new Date(ts * 1000);
	return d.toLocaleString();
}

function fmtRelative(ts, now) {
	if (ts == null)
		return '';
	var s = Math.round(ts - now);
	if (s <= 0)
		return _('now');
	if (s < 120)
		return _('in %d s').format(s);
	if (s < 7200)
		return _('in %d min').format(Math.round(s / 60));
	return _('in %d h').format(Math.round(s / 3600));
}

function addrs(v4, v6) {
	var out = [];
	if (v4) out.push(v4);
	if (v6) out.push(v6);
	return out.length ? out.join(', ') : '-';
}

function renderWarnings(st) {
	var warnings = st.warnings || [];
	if (!warnings.length)
		return E('p', {}, _('No warnings.'));
	return E('div', {}, warnings.map(function(w) {
		return E('div', { 'class': 'alert-message warning' }, [
			E('strong', {}, warningTitles[w.code] || _('Warning (%s)').format(w.code)),
			E('br'),
			E('span', {}, w.message)
		]);
	}));
}

function renderWan(st) {
	var wan = st.wan || {};
	return E('table', { 'class': 'table' }, [
		E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left', 'width': '33%' }, _('Interface')),
			E('td', { 'class': 'td left' }, '%s%s'.format(wan.interface || '-', wan.device ? ' (' + wan.device + ')' : '')) ]),
		E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('State')),
			E('td', { 'class': 'td left' }, wan.up ? _('up') : _('down')) ]),
		E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('WAN addresses')),
			E('td', { 'class': 'td left' }, addrs(wan.ipv4, wan.ipv6)) ]),
		E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left' }, _('IPv4 address seen from outside')),
			E('td', { 'class': 'td left' }, wan.ipv4_seen_outside || _('not checked')) ])
	]);
}

function renderHosts(st) {
	var now = st.written_at || Date.now() / 1000;
	var rows = (st.hosts || []).map(function(h) {
		var next = h.next_action ? '%s %s'.format(h.next_action, fmtRelative(h.next_at, now)) : '-';
		return E('tr', { 'class': 'tr' }, [
			E('td', { 'class': 'td left' }, [ E('strong', {}, (h.domains || []).join(', ') || h.section), E('br'), E('small', {}, h.service) ]),
			E('td', { 'class': 'td left' }, hostStates[h.state] || h.state),
			E('td', { 'class': 'td left' }, addrs(h.wanted_ipv4, h.wanted_ipv6)),
			E('td', { 'class': 'td left' }, addrs(h.registered_ipv4, h.registered_ipv6)),
			E('td', { 'class': 'td left' }, [ h.last_result || '-', E('br'), E('small', {}, fmtTime(h.last_attempt)) ]),
			E('td', { 'class': 'td left' }, next),
			E('td', { 'class': 'td left' }, h.error || '')
		]);
	});
	if (!rows.length)
		rows.push(E('tr', { 'class': 'tr placeholder' }, E('td', { 'class': 'td' }, _('No Dynamic DNS hosts configured.'))));
	return E('table', { 'class': 'table' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, _('Host')),
			E('th', { 'class': 'th' }, _('State')),
			E('th', { 'class': 'th' }, _('Published address')),
			E('th', { 'class': 'th' }, _('Registered address')),
			E('th', { 'class': 'th' }, _('Last result')),
			E('th', { 'class': 'th' }, _('Next action')),
			E('th', { 'class': 'th' }, _('Error'))
		])
	].concat(rows));
}

function renderForwards(st) {
	var rows = (st.forwards || []).map(function(f) {
		return E('tr', { 'class': 'tr' }, [
			E('td', { 'class': 'td left' }, f.name || f.section),
			E('td', { 'class': 'td left' }, '%s %s'.format(f.proto, f.src_dport)),
			E('td', { 'class': 'td left' }, '%s:%s'.format(f.dest_ip || _('this router'), f.dest_port)),
			E('td', { 'class': 'td left' }, f.active ? _('active') : (f.reason || _('inactive'))),
			E('td', { 'class': 'td left' }, f.packets != null ? _('%d packets').format(f.packets) : '-'),
			E('td', { 'class': 'td left' }, (f.warnings || []).join(' '))
		]);
	});
	if (!rows.length)
		rows.push(E('tr', { 'class': 'tr placeholder' }, E('td', { 'class': 'td' }, _('No port forwards configured.'))));
	return E('table', { 'class': 'table' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, _('Name')),
			E('th', { 'class': 'th' }, _('External')),
			E('th', { 'class': 'th' }, _('Internal')),
			E('th', { 'class': 'th' }, _('State')),
			E('th', { 'class': 'th' }, _('Traffic')),
			E('th', { 'class': 'th' }, _('Warnings'))
		])
	].concat(rows));
}

function renderAll(st) {
	if (!st || st.error || !st.version)
		return E('div', { 'class': 'alert-message warning' },
			st && st.error ? st.error : _('The homeport daemon is not running or has not written its status yet.'));

	return E('div', {}, [
		E('h3', {}, _('Warnings')), renderWarnings(st),
		E('h3', {}, _('WAN')), renderWan(st),
		E('h3', {}, _('Dynamic DNS')), renderHosts(st),
		E('h3', {}, _('Port forwards')), renderForwards(st),
		E('p', {}, E('small', {}, _('homeport %s, pid %d, status written %s').format(st.version, st.pid, fmtTime(st.written_at))))
	]);
}

return view.extend({
	load: function() {
		return L.resolveDefault(callStatus(), {});
	},

	render: function(st) {
		var body = E('div', { 'id': 'homeport-status' }, renderAll(st));

		poll.add(function() {
			return L.resolveDefault(callStatus(), {}).then(function(next) {
				dom.content(body, renderAll(next));
			});
		}, 5);

		return E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, _('homeport: status')),
			E('div', { 'class': 'cbi-map-descr' }, _('What the daemon is doing now. Refreshed every 5 seconds.')),
			body
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
