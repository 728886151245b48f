'use strict';
'require view';
'require poll';
'require uci';
'require dom';
'require homeport.ui as hpui';

// Reads the daemon's status document (src/status.rs: Status, WanStatus, HostStatus,
// ForwardStatus, Warning) through the rpcd plugin /usr/libexec/rpcd/homeport, and the
// names of the configured sections from uci, to say which forward or host a problem is
// about.
//
// Every value from status or config reaches the page as text: E() is only ever given an
// array of children (LuCI's dom.append() parses a bare string child as HTML; an array's
// strings become text nodes, luci.js).

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
	config: _('The configuration has a problem'),
	apply: _('The port forward table is being changed'),
	reload: _('The changed configuration was refused: the running one is kept'),
	pinholes: _('IPv6 pinholes to LAN devices are not open')
};

// The provider names of the Dynamic DNS page (ddns.js), for `HostStatus.service`.
var serviceNames = {
	cloudflare: 'Cloudflare', duckdns: 'Duck DNS', desec: 'deSEC', dynu: 'Dynu', dyn: 'Dyn / Oracle',
	freedns: 'FreeDNS (afraid.org)', he: 'Hurricane Electric', namecheap: 'Namecheap', noip: 'No-IP',
	dyndns2: _('dyndns2 provider'), rfc2136: _('Own DNS server (RFC 2136)'), custom: _('Custom update URL')
};

var protoNames = { tcp: 'TCP', udp: 'UDP', tcpudp: 'TCP+UDP' };

function fmtTime(ts) {
	if (ts == null)
		return '-';
	return new Date(ts * 1000).toLocaleString();
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

// A config diagnostic as the daemon words it (src/diag.rs, Diagnostic's Display):
// `error: section @forward[4] ('game'): option 'dest_port': '70000' is not a port`.
// The section part is SectionRef: `@type[index]`, then the quoted section name if any
// (quote_value: `\'` and `\\` escaped).
function parseProblem(message) {
	var m = /^(error|warning): (?:section @([A-Za-z0-9_]+)\[(\d+)\](?: \('((?:[^'\\]|\\.)*)'\))?: )?([\s\S]*)$/.exec(String(message || ''));
	if (!m)
		return { level: 'warning', ref: null, text: String(message || '') };
	return {
		level: m[1],
		ref: m[2] != null ? { type: m[2], index: +m[3], name: m[4] != null ? m[4].replace(/\\(.)/g, '$1') : null } : null,
		text: m[5]
	};
}

// The daemon names a section by its name, or `@type[N]`, or `@type[N] ('name')`
// (src/diag.rs SectionRef, src/status.rs).
function parseRef(ref) {
	var m = /^@([A-Za-z0-9_-]+)\[(\d+)\](?: \('((?:[^'\\]|\\.)*)'\))?$/.exec(ref || '');
	if (!m)
		return ref ? { type: null, index: -1, name: ref } : null;
	return { type: m[1], index: +m[2], name: m[3] != null ? m[3].replace(/\\(.)/g, '$1') : null };
}

function sameRef(a, type, index, sid) {
	if (!a)
		return false;
	if (a.name != null)
		return a.name == sid;
	return a.type == type && a.index == index;
}

// Config sections of one type with the problems the daemon reported about each.
function configEntries(st, type) {
	var sections = uci.sections('homeport', type) || [];
	var problems = (st.warnings || []).filter(function(w) { return w.code == 'config'; }).map(function(w) { return parseProblem(w.message); });
	return sections.map(function(s, i) {
		return {
			sid: s['.name'],
			index: i,
			section: s,
			problems: problems.filter(function(p) { return p.ref && p.ref.type == type && sameRef(p.ref, type, i, s['.name']); })
		};
	});
}

function forwardTitle(entry, fs) {
	var s = entry ? entry.section : null;
	return (s && s.name) || (fs && fs.name) || (s && !s['.anonymous'] && s['.name']) || _('Forward %d').format(entry ? entry.index + 1 : 0);
}

function hostTitle(entry, h) {
	var d = (h && h.domains && h.domains.length) ? h.domains : (entry && entry.section.domain);
	if (Array.isArray(d) && d.length)
		return d.join(', ');
	if (typeof d == 'string' && d.length)
		return d;
	return entry ? entry.sid : (h ? h.section : '-');
}

function renderWarnings(st) {
	// Config problems about one section are shown beside it (hosts and forwards below).
	var warnings = (st.warnings || []).filter(function(w) {
		return !(w.code == 'config' && parseProblem(w.message).ref);
	});
	if (!warnings.length)
		return E('p', {}, [ _('No warnings.') ]);
	return E('div', {}, warnings.map(function(w) {
		var p = w.code == 'config' ? parseProblem(w.message) : { level: 'warning', text: w.message };
		return E('div', { 'class': 'alert-message ' + (p.level == 'error' ? 'error' : 'warning') }, [
			E('strong', {}, [ warningTitles[w.code] || _('Warning (%s)').format(w.code) ]),
			E('br'),
			E('span', {}, [ hpui.sentence(p.text) ])
		]);
	}));
}

function renderWan(st) {
	var wan = st.wan || {};
	function row(title, value) {
		return E('tr', { 'class': 'tr' }, [ E('td', { 'class': 'td left', 'width': '33%' }, [ title ]), E('td', { 'class': 'td left' }, [ value ]) ]);
	}
	return E('table', { 'class': 'table' }, [
		row(_('Interface'), (wan.interface || '-') + (wan.device ? ' (' + wan.device + ')' : '')),
		row(_('State'), wan.up ? _('up') : _('down')),
		row(_('WAN addresses'), addrs(wan.ipv4, wan.ipv6)),
		row(_('IPv4 address seen from outside'), wan.ipv4_seen_outside || _('not checked'))
	]);
}

function hostState(h, running) {
	if (!running)
		return _('homeport is not running');
	if (h.state == 'ok')
		return hpui.upToDate(h);
	return hpui.hostStates[h.state] || h.state;
}

function renderHosts(st, running) {
	var now = st.written_at || Date.now() / 1000;
	var entries = configEntries(st, 'ddns');
	var seen = {};
	var rows = (st.hosts || []).map(function(h) {
		var ref = parseRef(h.section);
		var entry = entries.filter(function(e) { return sameRef(ref, 'ddns', e.index, e.sid); })[0];
		if (entry)
			seen[entry.sid] = true;
		var next = (running && h.next_action) ? '%s %s'.format(h.next_action, fmtRelative(h.next_at, now)) : '-';
		var lines = (entry ? entry.problems : []).map(function(p) { return hpui.problemLine(p.level, p.text); });
		// An error beside a host that is up to date concerns the other family: a warning.
		if (h.error)
			lines.unshift(hpui.problemLine(h.state == 'ok' ? 'warning' : 'error', h.error));
		return E('tr', { 'class': 'tr' }, [
			E('td', { 'class': 'td left' }, [ E('strong', {}, [ hostTitle(entry, h) ]), E('br'), E('small', {}, [ serviceNames[h.service] || h.service ]) ]),
			E('td', { 'class': 'td left' }, [ hostState(h, running) ]),
			E('td', { 'class': 'td left' }, [ addrs(h.wanted_ipv4, h.wanted_ipv6) ]),
			E('td', { 'class': 'td left' }, [ addrs(h.registered_ipv4, h.registered_ipv6) ]),
			E('td', { 'class': 'td left' }, [ h.last_result || '-', E('br'), E('small', {}, [ fmtTime(h.last_attempt) ]) ]),
			E('td', { 'class': 'td left' }, [ next ]),
			E('td', { 'class': 'td left' }, lines)
		]);
	});
	// A section the daemon skipped (bad configuration) has no status: say why, by name.
	entries.filter(function(e) { return !seen[e.sid] && e.problems.some(function(p) { return p.level == 'error'; }); }).forEach(function(e) {
		rows.push(skippedRow(hostTitle(e, null), serviceNames[e.section.service] || e.section.service || '', e.problems, 7, 1));
	});
	if (!rows.length)
		rows.push(E('tr', { 'class': 'tr placeholder' }, [ E('td', { 'class': 'td' }, [ _('No Dynamic DNS hosts configured.') ]) ]));
	return E('table', { 'class': 'table' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, [ _('Host') ]),
			E('th', { 'class': 'th' }, [ _('State') ]),
			E('th', { 'class': 'th' }, [ _('Published address') ]),
			E('th', { 'class': 'th' }, [ _('Registered address') ]),
			E('th', { 'class': 'th' }, [ _('Last result') ]),
			E('th', { 'class': 'th' }, [ _('Next action') ]),
			E('th', { 'class': 'th' }, [ _('Problems') ])
		])
	].concat(rows));
}

// A section the daemon skipped: its first error is the reason, in the State column
// (`stateCol`); the rest are listed in the last one.
function skippedRow(title, sub, problems, cols, stateCol) {
	var reason = problems.filter(function(p) { return p.level == 'error'; })[0] || problems[0];
	var cells = [ E('td', { 'class': 'td left' }, [ E('strong', {}, [ title ]), E('br'), E('small', {}, [ sub ]) ]) ];
	while (cells.length < cols - 1)
		cells.push(E('td', { 'class': 'td left' }, (cells.length == stateCol)
			? [ hpui.problemLine(reason.level, _('skipped: %s').format(reason.text)) ] : [ '-' ]));
	cells.push(E('td', { 'class': 'td left' }, problems.filter(function(p) { return p !== reason; })
		.map(function(p) { return hpui.problemLine(p.level, p.text); })));
	return E('tr', { 'class': 'tr' }, cells);
}

function forwardState(f, running) {
	if (!running)
		return _('homeport is not running');
	return f.active ? _('active') : (f.reason || _('inactive'));
}

// A forward to a device with an IPv6 side (issue 14): where its pinholes are open, or
// why there is none (status.json `pinholes`, `pinholes_reason`).
function pinholeLines(f, running) {
	if (!running)
		return [];
	if (f.pinholes && f.pinholes.length)
		return [ E('br'), _('IPv6 pinholes open to %s').format(f.pinholes.join(', ')) ];
	if (f.pinholes_reason)
		return [ E('br'), _('no IPv6 pinhole: %s').format(f.pinholes_reason) ];
	return [];
}

function renderForwards(st, running) {
	var entries = configEntries(st, 'forward');
	var seen = {};
	var rows = (st.forwards || []).map(function(f) {
		var ref = parseRef(f.section);
		var entry = entries.filter(function(e) { return sameRef(ref, 'forward', e.index, e.sid); })[0];
		if (entry)
			seen[entry.sid] = true;
		var lines = (f.warnings || []).map(function(w) { return hpui.problemLine('warning', w); })
			.concat((entry ? entry.problems : []).map(function(p) { return hpui.problemLine(p.level, p.text); }));
		return E('tr', { 'class': 'tr' }, [
			E('td', { 'class': 'td left' }, [ forwardTitle(entry, f) ]),
			E('td', { 'class': 'td left' }, [ '%s %s'.format(protoNames[f.proto] || f.proto, f.src_dport) ]),
			E('td', { 'class': 'td left' }, [ '%s:%s'.format(f.dest_ip || _('this router'), f.dest_port) ]),
			E('td', { 'class': 'td left' }, [ forwardState(f, running) ].concat(pinholeLines(f, running))),
			E('td', { 'class': 'td left' }, [ (running && f.packets != null) ? _('%d packets').format(f.packets) : '-' ]),
			E('td', { 'class': 'td left' }, lines)
		]);
	});
	entries.filter(function(e) { return !seen[e.sid] && e.problems.some(function(p) { return p.level == 'error'; }); }).forEach(function(e) {
		rows.push(skippedRow(forwardTitle(e, null), '', e.problems, 6, 3));
	});
	if (!rows.length)
		rows.push(E('tr', { 'class': 'tr placeholder' }, [ E('td', { 'class': 'td' }, [ _('No port forwards configured.') ]) ]));
	return E('table', { 'class': 'table' }, [
		E('tr', { 'class': 'tr table-titles' }, [
			E('th', { 'class': 'th' }, [ _('Name') ]),
			E('th', { 'class': 'th' }, [ _('External') ]),
			E('th', { 'class': 'th' }, [ _('Internal') ]),
			E('th', { 'class': 'th' }, [ _('State') ]),
			E('th', { 'class': 'th' }, [ _('Traffic') ]),
			E('th', { 'class': 'th' }, [ _('Warnings') ])
		])
	].concat(rows));
}

function renderAll(st) {
	if (!st || st.error || !st.version)
		return E('div', { 'class': 'alert-message warning' }, [
			(st && st.error) ? String(st.error) : _('The homeport daemon is not running or has not written its status yet.')
		]);

	// `running` (src/status.rs): false when the daemon has stopped; its last status is
	// then history, and nothing it set up is active any more.
	var running = st.running !== false;

	var parts = running ? [] : [ E('div', { 'class': 'alert-message error', 'id': 'homeport-not-running' }, [
		E('strong', {}, [ _('homeport is not running') ]), E('br'),
		E('span', {}, [ _('Its port forwards are removed and no Dynamic DNS updates are sent. Start it under System → Startup, or enable it in Settings.') ])
	]) ];

	return E('div', {}, parts.concat([
		E('h3', {}, [ _('Warnings') ]), renderWarnings(st),
		E('h3', {}, [ _('WAN') ]), renderWan(st),
		E('h3', {}, [ _('Dynamic DNS') ]), renderHosts(st, running),
		E('h3', {}, [ _('Port forwards') ]), renderForwards(st, running),
		E('p', {}, [ E('small', {}, [ _('homeport %s, pid %d, status written %s').format(st.version, st.pid, fmtTime(st.written_at)) ]) ])
	]));
}

function loadAll() {
	return Promise.all([
		L.resolveDefault(hpui.callStatus(), {}),
		L.resolveDefault(uci.load('homeport'), null)
	]).then(function(data) { return data[0]; });
}

return view.extend({
	load: loadAll,

	render: function(st) {
		var body = E('div', { 'id': 'homeport-status' }, [ renderAll(st) ]);

		poll.add(function() {
			uci.unload('homeport');
			return loadAll().then(function(next) {
				dom.content(body, [ renderAll(next) ]);
			});
		}, 5);

		return E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, [ _('homeport: status') ]),
			E('div', { 'class': 'cbi-map-descr' }, [ _('What the daemon is doing now. Refreshed every 5 seconds.') ]),
			body
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
