'use strict';
'require baseclass';
'require rpc';

// What the views (view/homeport/*.js) share: the daemon's status document, its problems
// as lines on the page, and how a problem or a status entry names its config section.
//
// Every value reaches the page as text: E() is only ever given an array of children
// (LuCI's dom.append() parses a bare string child as HTML; an array's strings become
// text nodes, luci.js).

// The daemon's status document (src/status.rs: Status) through the rpcd plugin
// /usr/libexec/rpcd/homeport.
var callStatus = rpc.declare({
	object: 'homeport',
	method: 'status',
	expect: { '': {} }
});

// `HostStatus.state` (src/status.rs) in words.
var hostStates = {
	ok: _('Up to date'),
	pending: _('Update due'),
	backoff: _('Waiting to retry'),
	stopped: _('Stopped: needs a configuration change'),
	disabled: _('Disabled'),
	blocked: _('Blocked: no address that can be published')
};

// A value as a text node (a grid's textvalue() must return a node: a string there is
// parsed as HTML, GridSection.renderTextValue, form.js).
function text(s) {
	return E('span', {}, [ String(s) ]);
}

// A daemon message as a sentence: capital first letter, full stop at the end (the
// daemon's findings are clauses such as "exposes the well-known RDP port ...").
function sentence(s) {
	s = String(s == null ? '' : s).trim();
	if (!s.length)
		return s;
	s = s.charAt(0).toUpperCase() + s.slice(1);
	return /[.!?]$/.test(s) ? s : s + '.';
}

// One problem per line: errors red, warnings yellow (LuCI's alert-message classes).
function problemLine(level, msg) {
	return E('div', {
		'class': 'homeport-problem ' + (level == 'error' ? 'homeport-error' : 'homeport-warning'),
		'style': 'margin:.1em 0;padding:.1em .4em;border-left:4px solid ' + (level == 'error' ? '#c9302c' : '#e0a800') +
			';background:' + (level == 'error' ? '#f8d7da' : '#fff3cd') + ';white-space:normal'
	}, [ sentence(msg) ]);
}

// A config diagnostic about a section, as the daemon words it (src/diag.rs,
// Diagnostic's Display; the name is quote_value()d):
// `error: section @forward[4] ('game'): option 'dest_port': '70000' is not a port`.
// Null for any other message.
function parseProblem(message) {
	var m = /^(error|warning): section @([A-Za-z0-9_]+)\[(\d+)\](?: \('((?:[^'\\]|\\.)*)'\))?: ([\s\S]*)$/.exec(String(message || ''));
	if (!m)
		return null;
	return { level: m[1], type: m[2], index: +m[3], name: m[4] != null ? m[4].replace(/\\(.)/g, '$1') : null, text: m[5] };
}

// The daemon names a section by its name, or as `@type[N]` with the name in
// parentheses when it has one (src/diag.rs SectionRef).
function sameSection(ref, type, index, section_id) {
	var m = /^@([A-Za-z0-9_-]+)\[(\d+)\](?: \('(.*)'\))?$/.exec(ref || '');
	if (!m)
		return ref == section_id;
	if (m[3] != null)
		return m[3] == section_id;
	return m[1] == type && +m[2] == index;
}

// The grid shows the dialog's label for a coded value, not the code. A value unset (and
// without a default) reads `unset` in italics where given, else as empty text.
function labelled(o, unset) {
	o.textvalue = function(section_id) {
		var v = this.cfgvalue(section_id);
		if (v == null || v === '')
			v = this.default;
		if (unset != null && (v == null || v === ''))
			return E('em', {}, [ unset ]);
		var i = this.keylist ? this.keylist.indexOf(v) : -1;
		return text(i >= 0 ? this.vallist[i] : (v == null ? '' : v));
	};
}

// A required field says so beside itself when Save finds it empty (a modal's Save
// otherwise fails without a word: GridSection.handleModalSave, form.js).
function required(o, message) {
	var parse = o.parse;
	o.rmempty = false;
	o.parse = function(section_id) {
		var field = this.map.findElement('data-field', this.cbid(section_id));
		var old = field ? field.querySelector('.homeport-required') : null;
		if (old)
			old.parentNode.removeChild(old);
		var v = this.isActive(section_id) ? this.formvalue(section_id) : 'inactive';
		var empty = (v == null) || (Array.isArray(v) ? !v.filter(function(x) { return String(x).trim() != ''; }).length : String(v).trim() == '');
		if (empty) {
			if (field)
				(field.querySelector('.cbi-value-field') || field).appendChild(
					E('div', { 'class': 'homeport-required', 'style': 'color:#c9302c;font-weight:bold;margin:.3em 0' }, [ message ]));
			return Promise.reject(new TypeError(message));
		}
		return parse.apply(this, arguments);
	};
}

// The LAN devices luci-rpc getHostHints knows (by MAC: { name, ipaddrs, ip6addrs }), as
// [{ mac, name, label }] sorted by name, then MAC. `label` is "name (MAC)", or the MAC.
function devices(hints) {
	return Object.keys(hints || {}).filter(function(mac) { return /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(mac); })
		.map(function(mac) {
			var name = (hints[mac] || {}).name;
			name = (name != null && name !== '') ? String(name) : null;
			return { mac: mac.toLowerCase(), name: name, label: name ? '%s (%s)'.format(name, mac.toLowerCase()) : mac.toLowerCase() };
		}).sort(function(a, b) {
			return (a.name == null) - (b.name == null) || L.naturalCompare(a.name || '', b.name || '') || L.naturalCompare(a.mac, b.mac);
		});
}

// A device target (a MAC or a DHCP host name, as dest_mac, dest_host and ip_device
// hold it) as "name (MAC)" where the host hints know the other half, else as given.
function deviceLabel(list, value) {
	var v = String(value), lv = v.toLowerCase().replace(/-/g, ':');
	var d = list.filter(function(x) { return x.mac == lv; })[0] ||
		list.filter(function(x) { return x.name != null && x.name.toLowerCase() == v.toLowerCase(); })[0];
	return d ? (d.name ? '%s (%s)'.format(d.name, d.mac) : d.mac) : v;
}

// Which families a host has published: those whose registered address is the wanted one.
function upToDate(h) {
	var v4 = h.wanted_ipv4 != null && h.wanted_ipv4 == h.registered_ipv4,
	    v6 = h.wanted_ipv6 != null && h.wanted_ipv6 == h.registered_ipv6;
	if (v4 && v6) return _('IPv4 and IPv6 up to date');
	if (v4) return _('IPv4 up to date');
	if (v6) return _('IPv6 up to date');
	return hostStates.ok;
}

return baseclass.extend({
	callStatus: callStatus,
	hostStates: hostStates,
	text: text,
	sentence: sentence,
	problemLine: problemLine,
	parseProblem: parseProblem,
	sameSection: sameSection,
	labelled: labelled,
	required: required,
	devices: devices,
	deviceLabel: deviceLabel,
	upToDate: upToDate
});
