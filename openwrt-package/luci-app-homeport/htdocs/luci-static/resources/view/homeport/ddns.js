'use strict';
'require view';
'require form';
'require rpc';
'require dom';
'require tools.widgets as widgets';
'require homeport.schema as hpschema';
'require homeport.ui as hpui';

// `config ddns '<name>'` sections of /etc/config/homeport (docs/config.md). Each
// provider shows only the fields it needs, under the name the provider gives them;
// secrets are password fields.
//
// Every value from status or config reaches the page as text: E() only ever gets an
// array of children, and every textvalue() returns a node (a string there is parsed as
// HTML by LuCI's dom.append(), luci.js; GridSection.renderTextValue, form.js).

// Which services use which credentials. Everything not listed for a service is hidden.
var services = [
	[ 'cloudflare', _('Cloudflare (API token)') ],
	[ 'duckdns',    _('Duck DNS') ],
	[ 'desec',      _('deSEC (dedyn.io)') ],
	[ 'dynu',       _('Dynu') ],
	[ 'dyn',        _('Dyn / Oracle') ],
	[ 'freedns',    _('FreeDNS (afraid.org)') ],
	[ 'he',         _('Hurricane Electric (dns.he.net)') ],
	[ 'namecheap',  _('Namecheap') ],
	[ 'noip',       _('No-IP') ],
	[ 'dyndns2',    _('Other dyndns2 provider (server)') ],
	[ 'rfc2136',    _('Own DNS server (RFC 2136 with TSIG key)') ],
	[ 'custom',     _('Custom update URL') ]
];

var withUsername = [ 'noip', 'dyn', 'dynu', 'dyndns2', 'custom' ];
var withServer = [ 'dyndns2', 'rfc2136' ];

var withPassword = [ 'cloudflare', 'duckdns', 'desec', 'dynu', 'dyn', 'freedns', 'he', 'namecheap', 'noip', 'dyndns2', 'custom' ];

// What each provider calls the secret in `password` (docs/config.md, Services).
var passwordLabels = {
	cloudflare: _('API token'),
	duckdns: _('Token'),
	desec: _('Token'),
	freedns: _('Update token'),
	he: _('Dynamic DNS key'),
	namecheap: _('Dynamic DNS password'),
	dyn: _('Updater client key')
};

function passwordLabel(service) {
	return passwordLabels[service] || _('Password');
}

// LAN devices for `ip_device` (forwards.js offers the same for dest_mac/dest_host).
var callHostHints = rpc.declare({
	object: 'luci-rpc',
	method: 'getHostHints',
	expect: { '': {} }
});

function dependsOn(o, list) {
	list.forEach(function(svc) { o.depends('service', svc); });
}

return view.extend({
	load: function() {
		return Promise.all([ L.resolveDefault(hpui.callStatus(), {}), hpschema.load(), hpschema.check(),
			L.resolveDefault(callHostHints(), {}) ])
			.then(function(r) { return { status: r[0], hints: r[3] }; });
	},

	handleSaveApply: function(ev, mode) {
		return hpschema.saveApply(this, ev, mode);
	},

	render: function(data) {
		var m, s, o;
		var status = (data && data.status) || {};
		var devices = hpui.devices(data && data.hints);
		var hosts = status.hosts || [];

		// The daemon names a section by its name, or as `@ddns[N]` with the name in
		// parentheses when it has one (src/diag.rs SectionRef).
		function indexOf(section_id) {
			return m.data.sections('homeport', 'ddns').findIndex(function(s) { return s['.name'] == section_id; });
		}
		function statusOf(section_id) {
			var idx = indexOf(section_id);
			return hosts.filter(function(h) { return hpui.sameSection(h.section, 'ddns', idx, section_id); })[0];
		}
		function problemsOf(section_id) {
			var idx = indexOf(section_id);
			return (status.warnings || []).filter(function(w) { return w.code == 'config'; })
				.map(function(w) { return hpui.parseProblem(w.message); })
				.filter(function(p) { return p && p.type == 'ddns' && (p.name != null ? p.name == section_id : p.index == idx); });
		}

		m = new form.Map('homeport', _('homeport: Dynamic DNS'),
			_('Each entry keeps one or more names pointed at this router\'s WAN address. Updates are sent the moment the address changes.'));

		s = m.section(form.GridSection, 'ddns', _('Hosts'));
		s.addremove = true;
		s.anonymous = false;
		s.nodescriptions = true;
		s.addbtntitle = _('Add host');

		// The name box beside "Add host" says what it is for (form.js TypedSection
		// renderSectionAdd() gives it neither label nor placeholder).
		s.renderSectionAdd = function(extra_class) {
			var el = form.GridSection.prototype.renderSectionAdd.apply(this, arguments);
			var nameEl = el.querySelector('.cbi-section-create-name');
			if (nameEl) {
				nameEl.setAttribute('id', 'homeport-new-ddns-name');
				nameEl.setAttribute('placeholder', _('e.g. home'));
				nameEl.setAttribute('aria-label', _('Name of the new entry'));
				nameEl.parentNode.insertBefore(E('label', { 'for': 'homeport-new-ddns-name', 'style': 'margin-right:.5em' },
					[ _('Name of the new entry (letters, digits, _):') ]), nameEl);
			}
			return el;
		};

		s.tab('general', _('General'));
		s.tab('address', _('Address'));
		s.tab('timing', _('Timing'));

		o = s.taboption('general', form.Flag, 'enabled', _('Enabled'));
		// docs/config.md: on by default. form.js FlagValue.parse(): a box equal to its
		// default is removed when rmempty, so an untouched box writes nothing.
		o.default = o.enabled;
		o.editable = true;

		var service = o = s.taboption('general', form.ListValue, 'service', _('Provider'));
		services.forEach(function(svc) { o.value(svc[0], svc[1]); });
		o.rmempty = false;
		hpui.labelled(o, _('not set'));
		// The password field's label follows the provider as it is changed (the
		// fields shown follow through depends()).
		o.renderWidget = function(section_id) {
			var map = this.map;
			var node = form.ListValue.prototype.renderWidget.apply(this, arguments);
			if (node && node.addEventListener)
				node.addEventListener('change', function(ev) {
					var field = map.findElement('data-field', 'cbid.homeport.%s.password'.format(section_id));
					var title = field ? field.querySelector('.cbi-value-title') : null;
					if (title && ev.target && ev.target.value != null)
						title.textContent = passwordLabel(ev.target.value);
				});
			return node;
		};

		o = s.taboption('general', form.DynamicList, 'domain', _('Names'),
			_('Required. Fully qualified names, updated together in one request where the provider allows it.'));
		o.datatype = 'hostname';
		o.placeholder = 'home.example.org';
		hpui.required(o, _('Names: enter at least one name, such as home.example.org.'));
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			if (typeof v == 'string')
				v = [ v ];
			return (Array.isArray(v) && v.length) ? hpui.text(v.join(', ')) : E('em', {}, [ _('no name yet') ]);
		};

		o = s.taboption('general', form.Value, 'username', _('Username'));
		o.modalonly = true;
		dependsOn(o, withUsername);

		o = s.taboption('general', form.Value, 'password', _('Password'));
		o.password = true;
		o.modalonly = true;
		dependsOn(o, withPassword);
		// The label for the provider the dialog opens with: the saved one (in its
		// canonical spelling, as the dropdown shows it), else the one the dropdown shows first.
		o.load = function(section_id) {
			var saved = hpschema.canonical('ddns', 'service', this.map.data.get('homeport', section_id, 'service'));
			this.title = passwordLabel(saved || service.default || service.keylist[0]);
			return form.Value.prototype.load.apply(this, arguments);
		};

		// FreeDNS gives the A and the AAAA record each its own token (docs/config.md,
		// password_ipv6): asked for only where both are published.
		o = s.taboption('general', form.Value, 'password_ipv6', _('Update token for the AAAA record'),
			_('FreeDNS gives each record its own token: the one above updates the A record, this one the AAAA record.'));
		o.password = true;
		o.modalonly = true;
		// `family 'any'`, the schema's alias of both, reads as both (hpschema.bind).
		o.depends({ service: 'freedns', family: 'both' });

		o = s.taboption('general', form.Value, 'server', _('Server'),
			_('host[:port]. For dyndns2, the provider\'s update server; for RFC 2136, the primary DNS server.'));
		o.datatype = 'or(hostport, host)';
		o.modalonly = true;
		dependsOn(o, withServer);

		o = s.taboption('general', form.Value, 'update_url', _('Update URL'),
			_('Placeholders: [USERNAME] [PASSWORD] [DOMAIN] [IP] [IP6]. Values are URL-encoded.'));
		o.modalonly = true;
		o.depends('service', 'custom');

		// docs/config.md `answer`: plain text, not ddns-scripts' regular expression.
		o = s.taboption('general', form.Value, 'answer', _('Success text'),
			_('Optional. Text that every successful answer contains (such as OK or good); any other answer is a failure. For services that answer errors with HTTP 200.'));
		o.modalonly = true;
		o.depends('service', 'custom');

		o = s.taboption('general', form.Value, 'cloudflare_zone', _('Zone'),
			_('Zone name or id. Optional: found from the name when empty.'));
		o.modalonly = true;
		o.depends('service', 'cloudflare');

		// docs/config.md `zone`: what it means depends on the service.
		o = s.taboption('general', form.Value, 'zone', _('Zone'),
			_('Every name must lie inside it. RFC 2136: the zone to update (default: found by an SOA query, else the parent of the first name). Namecheap: the domain registered there, such as example.com or example.co.uk. deSEC: your deSEC domain, for names under a two-label suffix. Dynu: your own domain added to Dynu; each name is sent as an alias under it.'));
		o.datatype = 'hostname';
		o.modalonly = true;
		dependsOn(o, [ 'rfc2136', 'namecheap', 'desec', 'dynu' ]);

		o = s.taboption('general', form.Value, 'key_name', _('TSIG key name'));
		o.datatype = 'hostname';
		o.modalonly = true;
		o.depends('service', 'rfc2136');

		o = s.taboption('general', form.ListValue, 'key_algorithm', _('TSIG algorithm'));
		o.value('hmac-sha256', 'HMAC-SHA256');
		o.value('hmac-sha512', 'HMAC-SHA512');
		o.value('hmac-sha1', 'HMAC-SHA1');
		o.default = 'hmac-sha256';
		o.modalonly = true;
		hpschema.unsetIsDefault(o);
		o.depends('service', 'rfc2136');

		o = s.taboption('general', form.Value, 'key_secret', _('TSIG key (base64)'));
		o.password = true;
		o.modalonly = true;
		o.depends('service', 'rfc2136');

		o = s.taboption('address', form.ListValue, 'family', _('Address family'));
		o.value('ipv4', _('IPv4 (A record)'));
		o.value('ipv6', _('IPv6 (AAAA record)'));
		o.value('both', _('IPv4 and IPv6 (A and AAAA)'));
		o.default = 'ipv4';
		hpui.labelled(o, _('not set'));
		hpschema.unsetIsDefault(o);

		o = s.taboption('address', form.ListValue, 'ip_source', _('Address from'));
		o.value('interface', _('The WAN interface'));
		o.value('web', _('An echo service on the web (for a router behind another router)'));
		o.value('device', _('A device on the LAN, for the AAAA record (the A record stays the WAN address)'));
		o.default = 'interface';
		o.modalonly = true;
		hpschema.unsetIsDefault(o);

		// ip_source 'device' (issue 14): the AAAA record follows a LAN device's stable
		// global IPv6 address; `ip_device` is its MAC or DHCP host name.
		o = s.taboption('address', form.Value, 'ip_device', _('Device'),
			_('The AAAA record follows this device\'s stable global IPv6 address (never a temporary one) as the prefix changes. Pick a device (followed by its MAC address) or type its DHCP host name. Reaching it from outside needs a forward to it that allows IPv6.'));
		o.placeholder = _('MAC address or DHCP host name');
		o.modalonly = true;
		devices.forEach(function(d) { o.value(d.mac, d.label); });
		o.depends('ip_source', 'device');
		hpui.required(o, _('Device: pick the device whose IPv6 address the AAAA record follows.'));

		o = s.taboption('address', form.DummyValue, '_device_family', ' ');
		o.modalonly = true;
		o.depends({ ip_source: 'device', family: 'ipv4' });
		o.renderWidget = function() {
			return hpui.problemLine('warning', _('A device gives only the AAAA record: set the address family to IPv6, or to IPv4 and IPv6'));
		};

		o = s.taboption('address', form.Value, 'ip_url', _('Echo service URL'));
		o.placeholder = 'https://';
		o.modalonly = true;
		o.depends('ip_source', 'web');

		o = s.taboption('address', form.Flag, 'allow_private', _('Publish private addresses'),
			_('Off by default: a private or CGNAT address cannot be reached from the internet.'));
		o.modalonly = true;

		o = s.taboption('address', form.Flag, 'use_https', _('Use HTTPS'),
			_('Turning this off sends the password in clear text.'));
		o.default = o.enabled;
		o.modalonly = true;

		o = s.taboption('address', form.Value, 'cacert', _('CA bundle'),
			_('Only to verify against your own CA; the built-in roots are used otherwise.'));
		o.datatype = 'file';
		o.modalonly = true;

		o = s.taboption('address', form.Value, 'lookup_host', _('Lookup name'),
			_('Name resolved to learn the registered address. Default: the first name.'));
		o.datatype = 'hostname';
		o.modalonly = true;

		o = s.taboption('address', form.Value, 'dns_server', _('DNS server for the lookup'));
		o.datatype = 'or(hostport, host)';
		o.modalonly = true;

		o = s.taboption('timing', form.Value, 'check_interval', _('Check every'));
		o.placeholder = '10m';
		o.modalonly = true;

		o = s.taboption('timing', form.Value, 'force_interval', _('Force an update every'));
		o.placeholder = '72h';
		o.modalonly = true;

		o = s.taboption('timing', form.Value, 'retry_interval', _('Retry after a failure'));
		o.placeholder = '60s';
		o.modalonly = true;

		// The state is the running daemon's; the problems are what `homeport check` finds
		// in the staged configuration (the more current), else what the status says.
		function stateNodes(section_id) {
			var h = statusOf(section_id);
			var problems = problemsOf(section_id);
			var staged = hpschema.lines(m, 'ddns', section_id);
			var nodes = [], shown = [];
			var err = problems.filter(function(p) { return p.level == 'error'; })[0];
			if (status.running === false)
				nodes.push(E('div', {}, [ E('em', {}, [ _('homeport is not running') ]) ]));
			else if (!h && err) {
				nodes.push(hpui.problemLine('error', _('skipped: %s').format(err.text)));
				shown.push(err.text);
			}
			else if (!h)
				nodes.push(E('em', {}, [ status.version ? _('not applied yet: save and apply') : _('no status from the daemon') ]));
			else
				nodes.push(E('div', {}, [ h.state == 'ok' ? hpui.upToDate(h) : (hpui.hostStates[h.state] || h.state),
					h.last_result ? ' (%s)'.format(h.last_result) : '' ]));
			if (h && h.error && status.running !== false)
				nodes.push(hpui.problemLine(h.state == 'ok' ? 'warning' : 'error', h.error));
			(staged || problems).forEach(function(p) {
				// Once the row says "skipped: <reason>", the check's own "skipped due to
				// invalid options" (src/config/build.rs) says it again.
				if (shown.length && !p.option && /^skipped/.test(p.text))
					return;
				if (shown.indexOf(p.text) < 0)
					nodes.push(hpui.problemLine(p.level, p.text));
				shown.push(p.text);
			});
			return nodes;
		}

		o = s.option(form.DummyValue, '_state', _('State'));
		o.modalonly = false;
		o.textvalue = function(section_id) {
			return E('div', { 'data-homeport-ddns': section_id }, stateNodes(section_id));
		};

		// Every option validates as the daemon reads it (homeport schema).
		hpschema.bind(m, s, 'ddns');

		// The cells again after a new staged check. The document, not the node
		// m.render() gave: form.js renders the map anew after a dialog's Save.
		function redraw() {
			document.querySelectorAll('[data-homeport-ddns]').forEach(function(cell) {
				dom.content(cell, stateNodes(cell.getAttribute('data-homeport-ddns')));
			});
		}

		return m.render().then(function(nodes) {
			hpschema.watch(s, redraw);
			return nodes;
		});
	}
});
