'use strict';
'require baseclass';
'require form';
'require rpc';
'require ui';

// The daemon's own rules in the views (issue 12 items 4 and 5).
//
// - Validators: `homeport schema --json` (src/config/schema.rs, through the rpcd plugin)
//   gives every option's type, limits, units, choices and defaults, taken from the parser's
//   tables; the functions below implement the value types of docs/config.md ("Value
//   types") with those parameters. tests/pkg/schema_validators.js runs them against
//   `homeport check` on the same values, so the two cannot drift apart unnoticed.
// - Check before apply: `homeport check --json` on the staged configuration (what
//   `uci commit` would write); each section's problems are shown in its row and beside
//   the field, and Save & Apply is refused while there are errors.

var callSchema = rpc.declare({ object: 'homeport', method: 'schema', expect: { '': {} } });
var callCheck = rpc.declare({ object: 'homeport', method: 'check', expect: { '': {} } });

function lc(s) {
	return String(s).replace(/[A-Z]/g, function(c) { return c.toLowerCase(); });
}

function utf8len(s) {
	return new TextEncoder().encode(s).length;
}

// Rust's char::is_control (category Cc) or diag::is_invisible (ranges from the schema).
function hasHidden(schema, s, invisibleToo) {
	for (var i = 0; i < s.length; i++) {
		var c = s.codePointAt(i);
		if (c > 0xffff)
			i++;
		if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
			return true;
		if (invisibleToo && (schema.invisible || []).some(function(r) { return c >= r[0] && c <= r[1]; }))
			return true;
	}
	return false;
}

function fmtSecs(s) {
	if (s && s % 86400 == 0) return (s / 86400) + 'd';
	if (s && s % 3600 == 0) return (s / 3600) + 'h';
	if (s && s % 60 == 0) return (s / 60) + 'm';
	return s + 's';
}

// src/types/duration.rs Interval::parse: seconds, or null with the reason in err[0].
function duration(schema, v, err) {
	var t = v.trim(), m = /^([0-9]*)([^]*)$/.exec(t);
	var num = m[1], unit = lc(m[2].trim());
	var mult = (schema.duration.units.filter(function(u) { return u[0] == unit; })[0] || [])[1];
	if (!num.length || num.length > schema.duration.max_digits || mult == null) {
		err[0] = _('A duration such as 90s, 10m, 72h, 2d, or seconds');
		return null;
	}
	var secs = Number(num) * mult;
	if (secs > schema.duration.max) {
		err[0] = _('Longer than a year');
		return null;
	}
	return secs;
}

// Rust's Ipv4Addr/Ipv6Addr FromStr: an array of 4 bytes or 8 groups, or null.
function ip4(s) {
	var p = s.split('.');
	if (p.length != 4 || !p.every(function(x) { return /^(0|[1-9][0-9]{0,2})$/.test(x) && +x < 256; }))
		return null;
	return p.map(Number);
}

function ip6(s) {
	function groups(part, limit, v4tail) {
		if (part === '')
			return [];
		var g = part.split(':'), out = [];
		for (var i = 0; i < g.length; i++) {
			var v4 = (v4tail && i == g.length - 1 && g[i].indexOf('.') >= 0) ? ip4(g[i]) : null;
			if (v4)
				out.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
			else if (/^[0-9A-Fa-f]{1,4}$/.test(g[i]))
				out.push(parseInt(g[i], 16));
			else
				return null;
		}
		return out.length <= limit ? out : null;
	}
	var halves = s.split('::');
	if (halves.length == 1) {
		var all = groups(s, 8, true);
		return (all && all.length == 8) ? all : null;
	}
	if (halves.length != 2)
		return null;
	var head = groups(halves[0], 7, false), tail = head && groups(halves[1], 7 - head.length, true);
	if (!tail)
		return null;
	return head.concat(new Array(8 - head.length - tail.length).fill(0), tail);
}

function ip(s) {
	var a = ip4(s);
	if (a)
		return { v6: false, a: a };
	a = ip6(s);
	return a ? { v6: true, a: a } : null;
}

// src/types/port.rs
function port(s) {
	return (/^[0-9]{1,5}$/.test(s) && +s >= 1 && +s <= 65535) ? +s : null;
}

function portRange(v) {
	var t = v.trim(), i = t.search(/[-:]/);
	if (i < 0) {
		var p = port(t);
		return p ? [ p, p ] : null;
	}
	var a = port(t.slice(0, i).trim()), b = port(t.slice(i + 1).trim());
	return (a && b && a <= b) ? [ a, b ] : null;
}

// src/types/name.rs Hostname::parse
function hostname(s, max) {
	var t = s.replace(/\.$/, '');
	return t.length > 0 && t.length <= max && t.split('.').every(function(l) {
		return /^[A-Za-z0-9_-]{1,63}$/.test(l) && !/^-|-$/.test(l);
	});
}

// src/types/mac.rs Mac::parse, then is_unicast (src/config/forward.rs): null when not a
// MAC address, false when not one device's (group bit set, or all zeros), else true.
function mac(s) {
	var p = s.split(s.indexOf('-') >= 0 ? '-' : ':');
	if (p.length != 6 || !p.every(function(x) { return /^[0-9A-Fa-f]{1,2}$/.test(x); }))
		return null;
	var b = p.map(function(x) { return parseInt(x, 16); });
	return (b[0] & 1) == 0 && b.some(function(x) { return x != 0; });
}

// src/types/net.rs HostPort::parse
function server(s) {
	if (s.charAt(0) == '[') {
		var end = s.indexOf(']');
		if (end < 0 || !ip6(s.slice(1, end)))
			return false;
		var tail = s.slice(end + 1);
		return tail === '' || (tail.charAt(0) == ':' && port(tail.slice(1)) != null);
	}
	if (ip(s))
		return true;
	var c = s.lastIndexOf(':'), h = s;
	if (c >= 0) {
		if (port(s.slice(c + 1)) == null)
			return false;
		h = s.slice(0, c);
	}
	return ip4(h) != null || hostname(h, 253);
}

// src/types/net.rs Cidr::parse: { v6, prefix } or null.
function cidr(s) {
	var i = s.indexOf('/'), a = ip(i < 0 ? s : s.slice(0, i));
	if (!a)
		return null;
	var max = a.v6 ? 128 : 32;
	if (i < 0)
		return { v6: a.v6, prefix: max };
	var p = s.slice(i + 1);
	if (/^[0-9]{1,3}$/.test(p))
		return +p <= max ? { v6: a.v6, prefix: +p } : null;
	var m = a.v6 ? null : ip4(p);
	if (!m)
		return null;
	var bits = ((m[0] << 24) | (m[1] << 16) | (m[2] << 8) | m[3]) >>> 0, len = 0;
	while (len < 32 && (bits & (0x80000000 >>> len)))
		len++;
	return (len == 32 || (bits << len) === 0) ? { v6: false, prefix: len } : null;
}

// src/config/forward.rs parse_dest_ip: the family, or null with the reason.
function destIp(v, err) {
	var i = v.indexOf('/'), a = ip(i < 0 ? v : v.slice(0, i));
	if (!a) {
		err[0] = _('Not an IP address');
		return null;
	}
	if (i >= 0 && v.slice(i + 1) !== (a.v6 ? '128' : '32')) {
		err[0] = _('A network; this is one host address');
		return null;
	}
	var x = a.a, bad;
	if (!a.v6)
		bad = x.every(function(b) { return b == 0; }) || x[0] == 127 || (x[0] >= 224 && x[0] < 240) || x.every(function(b) { return b == 255; });
	else {
		if (x.slice(0, 5).every(function(g) { return g == 0; }) && x[5] == 0xffff) {
			err[0] = _('An IPv4-mapped IPv6 address; write the IPv4 address');
			return null;
		}
		if ((x[0] & 0xffc0) == 0xfe80) {
			err[0] = _('An IPv6 link-local address; use the host\'s global or ULA address');
			return null;
		}
		bad = x.every(function(g) { return g == 0; }) || (x.slice(0, 7).every(function(g) { return g == 0; }) && x[7] == 1) || (x[0] & 0xff00) == 0xff00;
	}
	if (bad) {
		err[0] = _('Not a host address a forward can reach (unspecified, loopback, multicast or broadcast)');
		return null;
	}
	return a.v6 ? 'ipv6' : 'ipv4';
}

function choice(o, v) {
	var l = lc(v);
	return o.choices.filter(function(c) { return c.value == l || (c.aliases || []).indexOf(l) >= 0; })[0];
}

// A choice option's value in its canonical spelling (the choice's `value`): the daemon
// takes any of a choice's `aliases`, in any case (src/config/read.rs choose(),
// src/config/service.rs Service::parse, which also trims). A list option (`proto`) is
// split into words, as the daemon reads it; words of one choice give that choice, words
// of several give their canonical values, in the schema's order. A value with a word that
// is no choice is returned as it is (the check reports it).
function canonicalOf(o, value) {
	if (value == null || !o || o.type != 'choice')
		return value;
	var words = Array.isArray(value) ? value : (o.list ? String(value).trim().split(/\s+/) : [ String(value).trim() ]);
	var found = words.map(function(w) { return choice(o, String(w).trim()); });
	if (!found.length || found.some(function(c) { return !c; }))
		return value;
	var out = o.choices.filter(function(c) { return found.indexOf(c) >= 0; }).map(function(c) { return c.value; });
	return out.length == 1 ? out[0] : out;
}

function optionOf(schema, type, name) {
	var sec = (schema && schema.sections || []).filter(function(s) { return s.type == type; })[0];
	return sec && sec.options.filter(function(o) { return o.name == name; })[0];
}

// The forward's family as resolve_family in src/config/forward.rs sees it: `family`
// when set, else both; for src_ip, narrowed to `dest_ip`'s family when there is one.
function allowedFamily(schema, sibling, forSrc) {
	var fam = optionOf(schema, 'forward', 'family'), f = sibling('family');
	var c = (f != null && f !== '') ? choice(fam, String(f)) : null;
	var d = forSrc ? sibling('dest_ip') : null, dfam = d ? destIp(String(d), []) : null;
	return dfam || (c ? c.value : 'any');
}

// One value of option `name` of a `type` section: true, or why the daemon refuses it.
// `sibling(option)` gives the current value of another option of the same section.
function validate(schema, type, name, value, sibling) {
	var o = optionOf(schema, type, name);
	if (!o)
		return true;
	if (Array.isArray(value)) {
		for (var i = 0; i < value.length; i++) {
			var r = validate(schema, type, name, value[i], sibling);
			if (r !== true)
				return r;
		}
		return (o.required && !value.length) ? _('Required') : true;
	}
	var v = (value == null) ? '' : String(value), err = [];
	if (v === '')
		return o.required ? _('Required') : true;
	switch (o.type) {
	case 'bool':
		return (schema.bool['true'].concat(schema.bool['false']).indexOf(lc(v)) >= 0) ? true : _('Not a boolean (1/0, yes/no, on/off, true/false)');
	case 'duration':
		var secs = duration(schema, v, err);
		if (secs == null)
			return err[0];
		if (o.max != null && secs > o.max)
			return _('Longer than %s').format(fmtSecs(o.max));
		if (o.min != null && secs < o.min && !(o.zero_means_never && secs == 0))
			return (o.zero_means_never ? _('Shorter than %s (0 means never)') : _('Shorter than %s')).format(fmtSecs(o.min));
		return true;
	case 'name':
		return (/^[A-Za-z0-9_]+$/.test(v) && v.length <= o.max) ? true : _('Letters, digits and _ only');
	case 'device':
		return (utf8len(v) <= o.max && v != '.' && v != '..' && /^[\x21-\x7e]+$/.test(v) && !/[\/:"'\\*]/.test(v)) ? true
			: _('A network device name (1-15 characters, no /, :, *, quotes or spaces)');
	case 'host':
		return hostname(v, o.max) ? true : _('A host name (letters, digits, -, .; labels of 1-63)');
	case 'dhcp_name':
		// src/device/mod.rs HostName::parse
		return (v.length <= o.max && /^[A-Za-z0-9_.-]+$/.test(v)) ? true : _('A DHCP host name (letters, digits, -, _ and . only)');
	case 'mac':
		var mv = mac(v);
		return mv ? true : (mv === false ? _('A multicast or broadcast address, not one device')
			: _('A MAC address (six hex octets like aa:bb:cc:dd:ee:ff)'));
	case 'server':
		return server(v) ? true : _('A server: host or host:port, IPv6 in brackets');
	case 'text':
	case 'secret':
	case 'path':
		if (o.type == 'path' && lc(v) == 'ignore')
			return _('Certificate checks cannot be turned off; name a CA bundle file');
		if (o.type == 'path' && v.charAt(0) != '/')
			return _('An absolute path');
		if (hasHidden(schema, v, o.type != 'secret'))
			return _('Contains control or invisible characters');
		return (o.max == null || utf8len(v) <= o.max) ? true : _('Longer than %d bytes').format(o.max);
	case 'choice':
		return choice(o, v) ? true : _('Not one of: %s').format(o.choices.map(function(c) { return c.value; }).join(', '));
	case 'port_range':
		var pr = v.charAt(0) == '!' ? null : portRange(v);
		if (!pr)
			return _('A port or range (1-65535, or a-b with a <= b)');
		if (o.same_width_as) {
			var other = portRange(String(sibling(o.same_width_as) || ''));
			if (other && other[1] - other[0] != pr[1] - pr[0])
				return _('A range of %d ports, but %s has %d; a range maps only to one of the same width')
					.format(pr[1] - pr[0] + 1, o.same_width_as, other[1] - other[0] + 1);
		}
		return true;
	case 'ip':
		var fam = destIp(v, err);
		if (!fam)
			return err[0];
		var allowed = o.family_checked ? allowedFamily(schema, sibling, false) : 'any';
		return (allowed == 'any' || allowed == fam) ? true : _('An %s address, but the address family is %s').format(fam == 'ipv4' ? 'IPv4' : 'IPv6', allowed);
	case 'addr_match':
		var t = v.trim(), neg = t.charAt(0) == '!', c = cidr(neg ? t.slice(1).replace(/^\s+/, '') : t);
		if (!c)
			return _('An address or prefix (like 192.0.2.0/24 or 2001:db8::/32), ! to exclude');
		var want = o.family_checked ? allowedFamily(schema, sibling, true) : 'any';
		return (want == 'any' || want == (c.v6 ? 'ipv6' : 'ipv4')) ? true
			: _('%s, but this forward is %s only').format(c.v6 ? 'IPv6' : 'IPv4', want == 'ipv4' ? 'IPv4' : 'IPv6');
	case 'base64':
		// src/dns/base64.rs decode, without white space, at least one byte.
		var b = /^([A-Za-z0-9+\/]*)(=*)$/.exec(v);
		return (b && b[1].length >= 2 && b[1].length % 4 != 1 && b[2].length <= 2 &&
			(b[2].length == 0 || (b[1].length + b[2].length) % 4 == 0)) ? true : _('Not a base64 key (as tsig-keygen writes it)');
	default:
		// url: left to `homeport check` before Save & Apply.
		return true;
	}
}

// An option whose unset state means the daemon's default (docs/config.md) reads as that
// default, so that Save writes it only when the user changes it (form.js
// AbstractValue.parse() writes whatever differs from cfgvalue()).
function unsetIsDefault(o) {
	o.cfgvalue = function(section_id) {
		var v = form.AbstractValue.prototype.cfgvalue.apply(this, arguments);
		return (v == null) ? this.default : v;
	};
}

// The diagnostics of `report` that concern section `sid` of `type` (named sections by
// name, anonymous ones as @type[N] among `sids`, the section ids in file order).
function problemsOf(report, type, sids, sid) {
	var idx = sids.indexOf(sid);
	return ((report && report.diagnostics) || []).filter(function(d) {
		return d.type == type && (d.name != null ? d.name == sid : d.index == idx);
	});
}

// src/diag.rs quote_value: single quotes, with \, ' and hidden characters escaped, so
// that a line reads exactly as the daemon prints it (and compares equal to it).
function quote(schema, v) {
	var out = '';
	for (var i = 0; i < v.length; i++) {
		var c = v.codePointAt(i), ch = String.fromCodePoint(c);
		if (c > 0xffff)
			i++;
		if (ch == '\'' || ch == '\\')
			out += '\\' + ch;
		else if (ch == '\n' || ch == '\t' || ch == '\r')
			out += { '\n': '\\n', '\t': '\\t', '\r': '\\r' }[ch];
		else if (hasHidden(schema || {}, ch, true))
			out += '\\u{' + c.toString(16) + '}';
		else
			out += ch;
	}
	return '\'' + out + '\'';
}

// A diagnostic as src/diag.rs DiagnosticBody prints it without its section:
// `option 'dest_port': '70000' is not a port (1-65535)`.
function describe(d, schema) {
	return (d.option != null ? 'option %s: '.format(quote(schema, d.option)) : '') +
		(d.value != null ? '%s '.format(quote(schema, d.value)) : '') + d.message;
}

return baseclass.extend({
	validate: validate,
	problemsOf: problemsOf,

	// canonical('ddns', 'service', 'afraid.org-v2-token') == 'freedns' (see canonicalOf).
	canonical: function(type, name, value) {
		return canonicalOf(optionOf(this.schema, type, name), value);
	},
	describe: describe,
	unsetIsDefault: unsetIsDefault,

	// The schema (from the daemon), or null when the plugin cannot answer.
	load: function() {
		var self = this;
		return L.resolveDefault(callSchema(), null).then(function(s) {
			self.schema = (s && s.sections) ? s : null;
			return self.schema;
		});
	},

	// Lints the staged configuration; keeps and returns the report (null if unavailable).
	check: function() {
		var self = this;
		return L.resolveDefault(callCheck(), null).then(function(r) {
			self.report = (r && r.diagnostics) ? r : null;
			return self.report;
		});
	},

	// Sets every option of form section `s` (UCI type `type`) to validate as the daemon
	// does (LuCI's generic datatypes give way to the daemon's rules); an error the last
	// check found for an unchanged value is shown beside its field.
	bind: function(m, s, type) {
		var self = this;
		(s.children || []).forEach(function(o) {
			var so = optionOf(self.schema, type, o.option);
			if (!so || o._homeport)
				return;
			var own = o.validate;
			o._homeport = true;
			// A choice saved in another spelling the daemon takes (an alias such as
			// ddns-scripts' 'afraid.org-v2-token', or another case) reads as its canonical
			// value. LuCI's ListValue offers only its choices: a value that is none of them
			// selects no option, so the dropdown shows its first one (ui.js Select.render()),
			// the fields that depends() on it follow that (form.js
			// Map.isDependencySatisfied() compares formvalue()), and Save writes it and
			// removes every field then hidden (form.js AbstractValue.parse(): an inactive
			// field is removed unless `retain`). Read canonically, the right choice shows,
			// and an untouched Save writes nothing (parse() writes only a form value that
			// differs from cfgvalue()): the file keeps the spelling it has. A choice made
			// in the dialog is written in the canonical spelling.
			if (so.type == 'choice' && Array.isArray(o.keylist) && o.keylist.length) {
				var cfgvalue = o.cfgvalue;
				o.cfgvalue = function(section_id) {
					var v = cfgvalue.apply(this, arguments), c = canonicalOf(so, v);
					return (typeof c == 'string') ? c : v;
				};
			}
			if (self.schema)
				o.datatype = null;
			o.validate = function(sid, value) {
				// In a grid's dialog `this` is the dialog's copy of the option.
				var sec = (this && this.section) || s, map = (this && this.map) || m;
				var sibling = function(name) {
					var fv = sec.formvalue ? sec.formvalue(sid, name) : null;
					return fv != null ? fv : map.data.get(map.config, sid, name);
				};
				var r = self.schema ? validate(self.schema, type, o.option, value, sibling) : true;
				if (r === true && self.report) {
					var sids = map.data.sections(map.config, type).map(function(x) { return x['.name']; });
					// Only while the field holds what was checked: the value, or nothing
					// for an error about a missing value (a name typed since is not
					// "required" any more).
					var v = (value == null) ? '' : String(value);
					var e = problemsOf(self.report, type, sids, sid).filter(function(d) {
						return d.severity == 'error' && d.option == o.option && (d.value == null ? v === '' : d.value == v);
					})[0];
					// LuCI shows a validation message as a tooltip whose content is
					// markup (ui.js, data-tooltip): the daemon's text is escaped.
					if (e)
						r = '%h'.format(e.message);
				}
				return (r === true && typeof own == 'function') ? own.apply(this, arguments) : r;
			};
		});
	},

	// The staged check's problems of section `sid` as [{ level, text }] in file order, or
	// null when there is no report (the plugin could not answer): the views then fall
	// back to what the running daemon's status says.
	lines: function(m, type, sid) {
		if (!this.report)
			return null;
		var schema = this.schema, sids = m.data.sections(m.config, type).map(function(x) { return x['.name']; });
		return problemsOf(this.report, type, sids, sid).map(function(d) {
			return { level: d.severity, text: describe(d, schema), option: d.option };
		});
	},

	// After the grid's dialog saves (which stages the change in the session) or a row is
	// removed: check the staged configuration again, then `redraw()` the rows' problems.
	watch: function(s, redraw) {
		var self = this;
		var refresh = function(rv) {
			return self.check().then(function() { redraw(); return rv; });
		};
		[ 'handleModalSave', 'handleRemove' ].forEach(function(fn) {
			var orig = s[fn];
			if (typeof orig == 'function')
				s[fn] = function() { return Promise.resolve(orig.apply(this, arguments)).then(refresh); };
		});
		this.redraw = redraw;
		this.map = s.map;
	},

	// What a person calls the section of diagnostic `d`: a forward's `name` (issue 12
	// item 7), else the section's UCI name, else `@type[N]`.
	label: function(d) {
		var m = this.map, sec = (m && d.index != null) ? m.data.sections(m.config, d.type)[d.index] : null;
		return (sec && sec.name) ? String(sec.name) : (d.name || d.section || '');
	},

	// Save & Apply: stage, check what would be committed, and apply only without errors;
	// otherwise say why, beside each row and in a notification, and apply nothing.
	saveApply: function(view, ev, mode) {
		var self = this;
		return view.handleSave(ev).then(function() { return self.check(); }).then(function(report) {
			if (report && report.errors > 0) {
				if (self.redraw)
					self.redraw();
				// Text children only: a bare string given to E() is parsed as markup (luci.js
				// dom.append), and these lines carry config values.
				ui.addNotification(_('Not applied: the configuration has errors'),
					E('ul', {}, report.diagnostics.filter(function(d) { return d.severity == 'error'; }).map(function(d) {
						return E('li', {}, [ '%s: %s'.format(self.label(d), describe(d, self.schema)) ]);
					})), 'danger');
				return false;
			}
			ui.changes.apply(mode == '0');
			return true;
		});
	}
});
