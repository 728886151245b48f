'use strict';
'require view';
'require form';
'require rpc';
'require poll';
'require dom';
'require homeport.schema as hpschema';

// `config forward` sections of /etc/config/homeport (firewall4 `redirect`-shaped, see
// docs/config.md). The safety warnings beside each rule come from the daemon's status
// document (ForwardStatus.warnings in src/status.rs), so the page shows exactly what the
// daemon's lint found.

var callStatus = rpc.declare({
	object: 'homeport',
	method: 'status',
	expect: { '': {} }
});

var callHostHints = rpc.declare({
	object: 'luci-rpc',
	method: 'getHostHints',
	expect: { '': {} }
});

// Known LAN hosts as [address, label], IPv4 first, sorted by address.
function lanHosts(hints) {
	var out = [];
	Object.keys(hints || {}).forEach(function(mac) {
		var hint = hints[mac];
		(hint.ipaddrs || []).forEach(function(ip) { out.push([ ip, hint.name ? '%s (%s)'.format(ip, hint.name) : '%s (%s)'.format(ip, mac) ]); });
		(hint.ip6addrs || []).forEach(function(ip) { out.push([ ip, hint.name ? '%s (%s)'.format(ip, hint.name) : ip ]); });
	});
	return out.sort(function(a, b) { return L.naturalCompare(a[0], b[0]); });
}

// The daemon names a section by its name, or as `@forward[N]` with the name in
// parentheses when it has one (src/diag.rs SectionRef).
function sameSection(ref, type, index, section_id) {
	var m = /^@([A-Za-z0-9_-]+)\[(\d+)\](?: \('(.*)'\))?$/.exec(ref || '');
	if (!m)
		return ref == section_id;
	if (m[3] != null)
		return m[3] == section_id;
	return m[1] == type && +m[2] == index;
}

function forwardStatus(status, sections, section_id) {
	var idx = sections.findIndex(function(s) { return s['.name'] == section_id; });
	return (status.forwards || []).filter(function(f) { return sameSection(f.section, 'forward', idx, section_id); })[0];
}

function warningNodes(fs) {
	if (!fs)
		return E('em', {}, _('not applied yet'));
	var nodes = [];
	if (!fs.active)
		nodes.push(E('div', {}, E('em', {}, fs.reason || _('inactive'))));
	(fs.warnings || []).forEach(function(w) {
		nodes.push(E('div', { 'class': 'label warning', 'style': 'white-space:normal' }, w));
	});
	if (fs.active && !(fs.warnings || []).length)
		nodes.push(E('span', {}, _('OK')));
	return E('div', {}, nodes);
}

return view.extend({
	load: function() {
		return Promise.all([
			L.resolveDefault(callStatus(), {}),
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

		o = s.option(form.ListValue, 'proto', _('Protocol'));
		o.value('tcpudp', 'TCP+UDP');
		o.value('tcp', 'TCP');
		o.value('udp', 'UDP');
		o.default = 'tcpudp';

		o = s.option(form.Value, 'src_dport', _('External port'), _('A port or a range such as 5000-5010.'));
		o.datatype = 'portrange';
		o.rmempty = false;

		o = s.option(form.Value, 'dest_ip', _('Internal address'), _('Empty: this router itself.'));
		o.datatype = 'ipaddr("nomask")';
		o.placeholder = _('this router');
		hosts.forEach(function(entry) { o.value(entry[0], entry[1]); });

		o = s.option(form.Value, 'dest_port', _('Internal port'), _('Default: the external port. A range must have the same width.'));
		o.datatype = 'portrange';
		o.placeholder = _('same');

		o = s.option(form.DynamicList, 'src_ip', _('Allowed sources'),
			_('Addresses or networks allowed to connect; empty allows everyone. Prefix with ! to exclude.'));
		o.datatype = 'neg(ipmask)';
		o.placeholder = _('anyone');
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			return (Array.isArray(v) && v.length) ? v.join(', ') : _('anyone');
		};

		o = s.option(form.Flag, 'enabled', _('Enable'));
		o.default = o.enabled;
		o.editable = true;
		o.rmempty = false;

		o = s.option(form.Flag, 'reflection', _('Reflection'),
			_('Also reachable from the LAN through the WAN address.'));
		o.default = o.enabled;
		o.rmempty = false;
		o.modalonly = true;

		o = s.option(form.ListValue, 'family', _('Address family'));
		o.value('any', _('IPv4 and IPv6'));
		o.value('ipv4', 'IPv4');
		o.value('ipv6', 'IPv6');
		o.default = 'any';
		o.modalonly = true;

		o = s.option(form.Value, 'comment', _('Comment'));
		o.modalonly = true;

		o = s.option(form.DummyValue, '_warnings', _('Safety'));
		o.modalonly = false;
		o.textvalue = function(section_id) {
			var sections = m.data.sections('homeport', 'forward');
			return E('div', { 'data-homeport-forward': section_id },
				warningNodes(forwardStatus(status, sections, section_id)));
		};

		// The staged configuration's problems, per row (homeport check).
		o = s.option(form.DummyValue, '_check', _('Check'));
		o.modalonly = false;
		o.textvalue = function(section_id) { return hpschema.cell(section_id); };

		// Every option validates as the daemon reads it (homeport schema).
		hpschema.bind(m, s, 'forward');

		return m.render().then(function(nodes) {
			hpschema.watch(nodes, m, s, 'forward');
			poll.add(function() {
				return L.resolveDefault(callStatus(), {}).then(function(next) {
					status = next || {};
					var sections = m.data.sections('homeport', 'forward');
					nodes.querySelectorAll('[data-homeport-forward]').forEach(function(cell) {
						var id = cell.getAttribute('data-homeport-forward');
						dom.content(cell, warningNodes(forwardStatus(status, sections, id)));
					});
				});
			}, 10);
			return nodes;
		});
	}
});
