'use strict';
'require view';
'require form';
'require rpc';
'require tools.widgets as widgets';
'require homeport.schema as hpschema';

// `config ddns '<name>'` sections of /etc/config/homeport (docs/config.md). Each
// provider shows only the fields it needs; secrets are password fields.

var callStatus = rpc.declare({
	object: 'homeport',
	method: 'status',
	expect: { '': {} }
});

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
var withPassword = [ 'cloudflare', 'duckdns', 'desec', 'dynu', 'dyn', 'freedns', 'he', 'namecheap', 'noip', 'dyndns2', 'custom' ];
var withServer = [ 'dyndns2', 'rfc2136' ];

var passwordLabels = {
	cloudflare: _('API token'),
	duckdns: _('Token'),
	desec: _('Token'),
	freedns: _('Update token'),
	he: _('Dynamic DNS key'),
	namecheap: _('Dynamic DNS password'),
	dyn: _('Updater client key')
};

function dependsOn(o, list) {
	list.forEach(function(svc) { o.depends('service', svc); });
}

function sameSection(ref, type, index, section_id) {
	var m = /^@([A-Za-z0-9_-]+)\[(\d+)\](?: \('(.*)'\))?$/.exec(ref || '');
	if (!m)
		return ref == section_id;
	if (m[3] != null)
		return m[3] == section_id;
	return m[1] == type && +m[2] == index;
}

return view.extend({
	load: function() {
		return Promise.all([ L.resolveDefault(callStatus(), {}), hpschema.load(), hpschema.check() ])
			.then(function(r) { return r[0]; });
	},

	handleSaveApply: function(ev, mode) {
		return hpschema.saveApply(this, ev, mode);
	},

	render: function(status) {
		var m, s, o;
		var hosts = status.hosts || [];

		// The daemon names a section by its name, or as `@ddns[N]` with the name in
		// parentheses when it has one (src/diag.rs SectionRef).
		function statusOf(section_id) {
			var idx = m.data.sections('homeport', 'ddns').findIndex(function(s) { return s['.name'] == section_id; });
			return hosts.filter(function(h) { return sameSection(h.section, 'ddns', idx, section_id); })[0];
		}

		m = new form.Map('homeport', _('homeport: Dynamic DNS'),
			_('Each entry keeps one or more names pointed at this router\'s WAN address. Updates are sent the moment the address changes.'));

		s = m.section(form.GridSection, 'ddns', _('Hosts'));
		s.addremove = true;
		s.anonymous = false;
		s.nodescriptions = true;
		s.addbtntitle = _('Add host');

		s.tab('general', _('General'));
		s.tab('address', _('Address'));
		s.tab('timing', _('Timing'));

		o = s.taboption('general', form.Flag, 'enabled', _('Enabled'));
		o.default = o.enabled;
		o.editable = true;
		o.rmempty = false;

		o = s.taboption('general', form.ListValue, 'service', _('Provider'));
		services.forEach(function(svc) { o.value(svc[0], svc[1]); });
		o.rmempty = false;

		o = s.taboption('general', form.DynamicList, 'domain', _('Names'),
			_('Fully qualified names, updated together in one request where the provider allows it.'));
		o.datatype = 'hostname';
		o.rmempty = false;
		o.textvalue = function(section_id) {
			var v = this.cfgvalue(section_id);
			return Array.isArray(v) ? v.join(', ') : (v || '-');
		};

		o = s.taboption('general', form.Value, 'username', _('Username'));
		o.modalonly = true;
		dependsOn(o, withUsername);

		o = s.taboption('general', form.Value, 'password', _('Password or token'));
		o.password = true;
		o.modalonly = true;
		dependsOn(o, withPassword);
		o.load = function(section_id) {
			var svc = this.map.data.get('homeport', section_id, 'service');
			this.title = passwordLabels[svc] || _('Password');
			return form.Value.prototype.load.apply(this, [section_id]);
		};

		o = s.taboption('general', form.Value, 'server', _('Server'),
			_('host[:port]. For dyndns2, the provider\'s update server; for RFC 2136, the primary DNS server.'));
		o.datatype = 'or(hostport, host)';
		o.modalonly = true;
		dependsOn(o, withServer);

		o = s.taboption('general', form.Value, 'update_url', _('Update URL'),
			_('Placeholders: [USERNAME] [PASSWORD] [DOMAIN] [IP] [IP6]. Values are URL-encoded.'));
		o.modalonly = true;
		o.depends('service', 'custom');

		o = s.taboption('general', form.Value, 'cloudflare_zone', _('Zone'),
			_('Zone name or id. Optional: found from the name when empty.'));
		o.modalonly = true;
		o.depends('service', 'cloudflare');

		o = s.taboption('general', form.Value, 'zone', _('Zone'),
			_('Zone to update. Default: the parent of the first name.'));
		o.datatype = 'hostname';
		o.modalonly = true;
		o.depends('service', 'rfc2136');

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
		o.depends('service', 'rfc2136');

		o = s.taboption('general', form.Value, 'key_secret', _('TSIG key (base64)'));
		o.password = true;
		o.modalonly = true;
		o.depends('service', 'rfc2136');

		o = s.taboption('address', form.ListValue, 'family', _('Address family'));
		o.value('ipv4', _('IPv4 (A record)'));
		o.value('ipv6', _('IPv6 (AAAA record)'));
		o.value('both', _('Both'));
		o.default = 'ipv4';

		o = s.taboption('address', form.ListValue, 'ip_source', _('Address from'));
		o.value('interface', _('The WAN interface'));
		o.value('web', _('An echo service on the web (for a router behind another router)'));
		o.default = 'interface';
		o.modalonly = true;

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
		o.rmempty = false;
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

		o = s.option(form.DummyValue, '_state', _('State'));
		o.modalonly = false;
		o.textvalue = function(section_id) {
			var h = statusOf(section_id);
			if (!h)
				return '-';
			return h.error ? '%s: %s'.format(h.state, h.error) : (h.last_result || h.state);
		};

		// The staged configuration's problems, per row (homeport check).
		o = s.option(form.DummyValue, '_check', _('Check'));
		o.modalonly = false;
		o.textvalue = function(section_id) { return hpschema.cell(section_id); };

		// Every option validates as the daemon reads it (homeport schema).
		hpschema.bind(m, s, 'ddns');

		return m.render().then(function(nodes) { return hpschema.watch(nodes, m, s, 'ddns'); });
	}
});
