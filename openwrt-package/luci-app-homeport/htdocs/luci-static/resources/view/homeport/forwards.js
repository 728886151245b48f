'use strict';
'require view';
'require form';
'require rpc';
'require poll';
'require dom';
'require homeport.schema as hpschema';
'require homeport.ui as hpui';

// `config forward` sections of /etc/config/homeport (firewall4 `redirect`-shaped, see
// docs/config.md). The problems beside each rule: what `homeport check` finds in the
// staged configuration (config errors and the lint, homeport/schema.js), the more
// current; without that report, the daemon's status document (ForwardStatus.warnings in
// src/status.rs and the config diagnostics about the section, Warning code `config`).
// The state (active, inactive, skipped) is always the running daemon's.
//
// Every value from status or config reaches the page as text: E() only ever gets an
// array of children, and every textvalue() returns a node (a string returned there is
// parsed as HTML by LuCI's dom.append(), luci.js; GridSection.renderTextValue, form.js).

var callHostHints = rpc.declare({
	object: 'luci-rpc',
	method: 'getHostHints',
	expect: { '': {} }
});

// Known LAN hosts as [address, label], IPv4 first, sorted by address.
function lanHosts(hints) {
	var out = [];
	Object.keys(hints || {}).forEach(function(mac) {
		var hint = hints[mac] || {};
		(hint.ipaddrs || []).forEach(function(ip) { out.push([ ip, '%s (%s)'.format(ip, hint.name || mac) ]); });
		(hint.ip6addrs || []).forEach(function(ip) { out.push([ ip, hint.name ? '%s (%s)'.format(ip, hint.name) : ip ]); });
	});
	return out.sort(function(a, b) { return L.naturalCompare(a[0], b[0]); });
}

function forwardStatus(status, sections, section_id) {
	var idx = sections.findIndex(function(s) { return s['.name'] == section_id; });
	return (status.forwards || []).filter(function(f) { return hpui.sameSection(f.section, 'forward', idx, section_id); })[0];
}

function configProblems(status, sections, section_id) {
	var idx = sections.findIndex(function(s) { return s['.name'] == section_id; });
	return (status.warnings || []).filter(function(w) { return w.code == 'config'; })
		.map(function(w) { return hpui.parseProblem(w.message); })
		.filter(function(p) { return p && p.type == 'forward' && (p.name != null ? p.name == section_id : p.index == idx); });
}

// `staged`: the staged check's lines for the section ([{ level, text }]), or null.
function safetyNodes(status, sections, section_id, staged) {
	if (status.running === false)
		return E('div', {}, [ E('em', {}, [ _('homeport is not running') ]) ]);
	var fs = forwardStatus(status, sections, section_id);
	var problems = configProblems(status, sections, section_id);
	var nodes = [], shown = [];
	if (!fs && problems.some(function(p) { return p.level == 'error'; })) {
		// Skipped: the daemon did not take the section (src/config, a bad option).
		var err = problems.filter(function(p) { return p.level == 'error'; })[0];
		nodes.push(hpui.problemLine('error', _('skipped: %s').format(err.text)));
		shown.push(err.text);
		problems = problems.filter(function(p) { return p !== err; });
	}
	else if (!fs) {
		nodes.push(E('div', {}, [ E('em', {}, [ status.version ? _('not applied yet: save and apply') : _('no status from the daemon') ]) ]));
	}
	else if (!fs.active) {
		nodes.push(E('div', {}, [ E('em', {}, [ fs.reason || _('inactive') ]) ]));
	}
	if (!staged)
		staged = problems.concat(((fs && fs.warnings) || []).map(function(w) { return { level: 'warning', text: w }; }));
	staged.forEach(function(p) {
		// Once the row says "skipped: <reason>", the check's own "skipped due to invalid
		// options" (src/config/build.rs) says it again.
		if (shown.length && !p.option && /^skipped/.test(p.text))
			return;
		if (shown.indexOf(p.text) < 0)
			nodes.push(hpui.problemLine(p.level, p.text));
		shown.push(p.text);
	});
	if (fs && fs.active && !nodes.length)
		nodes.push(E('span', {}, [ _('OK') ]));
	return E('div', {}, nodes);
}

return view.extend({
	load: function() {
		return Promise.all([
			L.resolveDefault(hpui.callStatus(), {}),
			L.resolveDefault(callHostHints(), {}),
			hpschema.load(),
			hpschema.check()
		]);
	},

	handleSaveApply: function(ev, mode) {
		return hpschema.saveApply(this, ev, mode);
	},

	render: function(data) {
		var status = data[0] || {};
		var hosts = lanHosts(data[1]);
		var devices = hpui.devices(data[1]);
		var m, s, o;

		m = new form.Map('homeport', _('homeport: port forwards'),
			_('Forward ports from the WAN to a device on your network. Limit the allowed sources where you can, and prefer non-standard external ports for remote desktop, SSH and admin pages.'));

		s = m.section(form.GridSection, 'forward', _('Forwards'));
		s.addremove = true;
		s.anonymous = true;
		s.sortable = true;
		s.nodescriptions = true;
		s.addbtntitle = _('Add forward');

		o = s.option(form.Value, 'name', _('Name'));
		o.placeholder = _('Unnamed forward');
		o.rmempty = true;
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			return v ? hpui.text(v) : E('em', {}, [ _('unnamed') ]);
		};

		o = s.option(form.ListValue, 'proto', _('Protocol'));
		o.value('tcpudp', 'TCP+UDP');
		o.value('tcp', 'TCP');
		o.value('udp', 'UDP');
		o.default = 'tcpudp';
		hpui.labelled(o);
		hpschema.unsetIsDefault(o);
		// firewall4's list form (`list proto 'tcp'` + `list proto 'udp'`, or 'udp tcp'):
		// the words combine, TCP and UDP together are tcpudp (src/config/forward.rs
		// read_proto). Read so, the dropdown shows it and an untouched Save keeps the list
		// (a ListValue shows only a list's first word; hpschema.bind explains why that
		// would be written).
		var protoValue = o.cfgvalue;
		o.cfgvalue = function(section_id) {
			var v = protoValue.apply(this, arguments), c = hpschema.canonical('forward', 'proto', v);
			return (Array.isArray(c) && c.length > 1 && c.every(function(x) { return /^(tcp|udp|tcpudp)$/.test(x); })) ? 'tcpudp' : v;
		};

		o = s.option(form.Value, 'src_dport', _('External port'), _('Required. A port or a range such as 5000-5010.'));
		o.datatype = 'portrange';
		o.rmempty = false;

		// A forward has one target (docs/config.md, "Forwards to a device"): an address
		// (`dest_ip`, none: the router), or a device followed by its MAC (`dest_mac`) or
		// by its DHCP host name (`dest_host`). The choice is no UCI option: it shows the
		// one field it needs, and form.js AbstractValue.parse() removes the hidden ones, so
		// Save writes the chosen option and clears the others. A section that has several
		// (an error `check` reports) opens with the first, as the daemon names it.
		o = s.option(form.ListValue, '_target', _('Forward to'));
		o.value('ip', _('An address (or this router)'));
		o.value('mac', _('A device, followed by its MAC address'));
		o.value('host', _('A device, followed by its DHCP host name'));
		o.default = 'ip';
		o.modalonly = true;
		o.load = function(section_id) {
			var map = this.map, get = function(opt) { return map.data.get(map.config, section_id, opt); };
			return get('dest_ip') != null ? 'ip' : get('dest_mac') != null ? 'mac' : get('dest_host') != null ? 'host' : 'ip';
		};
		o.write = o.remove = function() {};

		o = s.option(form.Value, 'dest_ip', _('Internal address'), _('Empty: this router itself.'));
		o.datatype = 'ipaddr("nomask")';
		o.placeholder = _('this router');
		hosts.forEach(function(entry) { o.value(entry[0], entry[1]); });
		o.depends('_target', 'ip');
		// The grid's target column: the address, or the device by name and MAC.
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			var dev = this.map.data.get(this.map.config, section_id, 'dest_mac') ||
				this.map.data.get(this.map.config, section_id, 'dest_host');
			if (!v && dev)
				return E('span', {}, [ E('em', {}, [ _('device') ]), ' ', hpui.deviceLabel(devices, dev) ]);
			return v ? hpui.text(v) : E('em', {}, [ _('this router') ]);
		};

		o = s.option(form.Value, 'dest_mac', _('Device'),
			_('Followed by its MAC address wherever its IPv4 address moves; no DHCP reservation needed.'));
		o.placeholder = 'aa:bb:cc:dd:ee:ff';
		o.modalonly = true;
		devices.forEach(function(d) { o.value(d.mac, d.label); });
		o.depends('_target', 'mac');
		hpui.required(o, _('Device: pick one, or type its MAC address.'));

		o = s.option(form.Value, 'dest_host', _('Device'),
			_('Followed by the host name it gives in its DHCP lease, or the name of a static lease.'));
		o.placeholder = _('host name');
		o.modalonly = true;
		// Only names the daemon takes as a DHCP host name (src/device/mod.rs HostName).
		devices.forEach(function(d) { if (d.name && /^[A-Za-z0-9_.-]{1,63}$/.test(d.name)) o.value(d.name, d.label); });
		o.depends('_target', 'host');
		hpui.required(o, _('Device: pick one, or type its DHCP host name.'));

		o = s.option(form.Value, 'dest_port', _('Internal port'), _('Empty: the same as the external port. A range must have the same width.'));
		o.datatype = 'portrange';
		o.placeholder = _('same as external');
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			return v ? hpui.text(v) : E('em', {}, [ _('same as external') ]);
		};

		o = s.option(form.DynamicList, 'src_ip', _('Allowed sources'),
			_('Addresses or networks allowed to connect; empty allows everyone. Prefix with ! to exclude.'));
		o.datatype = 'neg(ipmask)';
		o.placeholder = _('anyone');
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			if (typeof v == 'string')
				v = v.split(/\s+/).filter(function(x) { return x.length; });
			return (Array.isArray(v) && v.length) ? hpui.text(v.join(', ')) : E('em', {}, [ _('anyone') ]);
		};

		// docs/config.md: `enabled` and `reflection` default to on. form.js
		// FlagValue.parse(): a box equal to its default is removed when rmempty (the
		// default), so an untouched box writes nothing and the daemon's default applies.
		o = s.option(form.Flag, 'enabled', _('Enable'));
		o.default = o.enabled;
		o.editable = true;

		o = s.option(form.Flag, 'reflection', _('Reflection'),
			_('Also reachable from the LAN through the WAN address.'));
		o.default = o.enabled;
		o.modalonly = true;

		// docs/config.md "Family, as firewall4 decides it": unset means IPv4 only unless the
		// addresses say otherwise, so that nothing is exposed over IPv6 by accident. The
		// unset state is offered as such and is what a new forward gets.
		o = s.option(form.ListValue, 'family', _('Address family'));
		o.value('', _('IPv4 only, or the family of the addresses (default)'));
		o.value('ipv4', _('IPv4 only'));
		o.value('ipv6', _('IPv6 only'));
		o.value('any', _('IPv4 and IPv6'));
		o.default = '';
		o.modalonly = true;

		// A device target with IPv6 (issue 14): no NAT, a pinhole to the device's stable
		// global addresses. Never the default; said plainly when chosen.
		o = s.option(form.DummyValue, '_pinhole', ' ');
		o.modalonly = true;
		[ 'mac', 'host' ].forEach(function(t) {
			[ 'ipv6', 'any' ].forEach(function(f) { o.depends({ _target: t, family: f }); });
		});
		o.renderWidget = function() {
			return hpui.problemLine('warning', _('IPv6 to a device opens a pinhole: its stable global IPv6 addresses accept connections on these ports from anywhere on the internet (or from the allowed sources), with no NAT in between. Only the device itself then protects the service'));
		};

		o = s.option(form.Value, 'comment', _('Comment'));
		o.modalonly = true;

		o = s.option(form.DummyValue, '_warnings', _('Safety'));
		o.modalonly = false;
		o.textvalue = function(section_id) {
			var sections = m.data.sections('homeport', 'forward');
			return E('div', { 'data-homeport-forward': section_id },
				[ safetyNodes(status, sections, section_id, hpschema.lines(m, 'forward', section_id)) ]);
		};

		// Every option validates as the daemon reads it (homeport schema).
		hpschema.bind(m, s, 'forward');

		// The cells again, with the latest status and staged check. The document, not the
		// node m.render() gave: form.js renders the map anew after a dialog's Save.
		function redraw() {
			var sections = m.data.sections('homeport', 'forward');
			document.querySelectorAll('[data-homeport-forward]').forEach(function(cell) {
				var id = cell.getAttribute('data-homeport-forward');
				dom.content(cell, [ safetyNodes(status, sections, id, hpschema.lines(m, 'forward', id)) ]);
			});
		}

		return m.render().then(function(nodes) {
			hpschema.watch(s, redraw);
			poll.add(function() {
				return L.resolveDefault(hpui.callStatus(), {}).then(function(next) {
					status = next || {};
					redraw();
				});
			}, 10);
			return nodes;
		});
	}
});
