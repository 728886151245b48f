'use strict';
'require view';
'require form';
'require tools.widgets as widgets';
'require homeport.schema as hpschema';

// `config homeport 'main'` of /etc/config/homeport (docs/config.md). The pickers read
// uci network and firewall, `network.interface dump` and luci-rpc getNetworkDevices
// (tools/widgets.js through network.js and firewall.js): the ACL grants those, read-only.

return view.extend({
	load: function() {
		return Promise.all([ hpschema.load(), hpschema.check() ]);
	},

	handleSaveApply: function(ev, mode) {
		return hpschema.saveApply(this, ev, mode);
	},

	render: function() {
		var m, s, o;

		m = new form.Map('homeport', _('homeport: settings'),
			_('Which interface is the WAN, and how the daemon behaves. Saving applies at once: the daemon re-reads its configuration without restarting.'));

		s = m.section(form.NamedSection, 'main', 'homeport');
		s.addremove = false;

		o = s.option(form.Flag, 'enabled', _('Enabled'),
			_('When off, the daemon stops and its port forwards are removed.'));
		// On by default (docs/config.md). form.js FlagValue.parse(): a box equal to its
		// default is removed when rmempty, so an untouched box writes nothing.
		o.default = o.enabled;

		o = s.option(widgets.NetworkSelect, 'interface', _('WAN interface'),
			_('The logical interface whose address is published and forwarded.'));
		o.nocreate = true;
		o.default = 'wan';
		hpschema.unsetIsDefault(o);

		o = s.option(widgets.DeviceSelect, 'device', _('WAN device'),
			_('Only if the device cannot be found from the interface (e.g. pppoe-wan). Overrides the interface.'));
		o.noaliases = true;
		o.optional = true;

		o = s.option(widgets.ZoneSelect, 'zone', _('WAN firewall zone'),
			_('Forwarded traffic is accepted in this zone.'));
		o.nocreate = true;
		o.default = 'wan';
		hpschema.unsetIsDefault(o);

		o = s.option(form.Value, 'debounce', _('Wait after an address change'),
			_('Lets a burst of changes (PPPoE reconnect, IPv6 renumbering) settle before acting.'));
		o.placeholder = '2s';

		o = s.option(form.ListValue, 'log_level', _('Log level'));
		o.value('error', _('Errors'));
		o.value('warning', _('Warnings'));
		o.value('notice', _('Notices'));
		o.value('info', _('Info'));
		o.value('debug', _('Debug'));
		o.default = 'info';
		hpschema.unsetIsDefault(o);

		// Issue 15: the opt-in check from outside. Nothing outside is contacted unless set.
		o = s.option(form.Value, 'probe_url', _('Outside check service'),
			_('Optional. The HTTPS address of an echoip-style service you trust. Setting it makes the diagnosis (homeport doctor) contact that service, which then connects to this router\'s forwarded ports from the internet and reports whether they are reachable; the service learns your address and those ports. Empty: the diagnosis contacts nothing outside.'));
		o.placeholder = 'https://';

		// Every option validates as the daemon reads it (homeport schema).
		hpschema.bind(m, s, 'homeport');

		return m.render();
	}
});
