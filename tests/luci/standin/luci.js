// SPDX-License-Identifier: GPL-2.0-only
//
// A stand-in for the parts of LuCI's client runtime the homeport views use, written for
// this project's tests (no LuCI code in here): E()/dom, L, _(), String.format, rpc, uci,
// poll, ui, baseclass, view, form (Map, NamedSection, GridSection, Value, Flag, ListValue,
// DynamicList, DummyValue) and tools.widgets; the app's own modules (homeport.schema,
// homeport.ui) are loaded from their source as LuCI's loader does. It renders real DOM, in
// a browser or in jsdom.
//
// Where the views' correctness depends on LuCI's behaviour, the stand-in behaves as
// LuCI does (modules/luci-base/htdocs/luci-static/resources in openwrt/luci):
// - dom.append(): an array's items become text nodes, a single string child is assigned
//   to innerHTML (luci.js). This is what makes a bare string from status or config an
//   HTML injection.
// - AbstractValue.textvalue() escapes with '%h'; GridSection.renderTextValue() puts the
//   textvalue into the cell with E('td', {...}, value), so a string a view returns from
//   its own textvalue() is parsed as HTML, and null shows <em>none</em> (form.js).
// - AbstractValue.parse(): an active field whose form value differs from cfgvalue() is
//   written; an empty one is removed (rmempty/optional) or rejected as "must not be
//   empty"; an inactive one is removed unless `retain` (form.js). A grid's main page
//   parses only its `editable` options; a modal's Save swallows a rejection
//   (GridSection.handleModalSave).
// - FlagValue.parse(): a ticked/unticked box equal to the default is removed when
//   rmempty/optional, otherwise its value is written, changed or not (form.js).
// - ListValue.renderWidget() (a ui.js Select): only the choices are options; a value that
//   is none of them selects none, so the first option shows and is the form value.
// - rmempty defaults to true; a Flag's form value is `enabled`/`disabled`; renderWidget()
//   returns the widget's DOM node, a 'change' event bubbles from it.
// - GridSection.handleModalSave()/handleRemove() are the methods a dialog's Save and a
//   row's Delete go through (the app wraps them); view.handleSaveApply() saves every map
//   and calls ui.changes.apply() (view.js).
// - homeport.check answers for the staged configuration: H.stagedCheck(uci export text),
//   set by the test (the real `homeport check --json`), or else the fixture's answer.
// Not modelled: datatype validation (validation.js), tab switching (every tab of a modal
// is shown, one under the other), sorting, translations.
//
// Everything the views read or call is recorded in window.__homeport.access, so tests
// can compare it with the ACL.

(function(window) {
	'use strict';

	var document = window.document;
	var H = window.__homeport = window.__homeport || {};
	H.fixtures = H.fixtures || { rpc: {}, uci: {} };
	H.access = { ubus: [], uciRead: [], uciWrite: [] };
	H.polls = [];
	H.maps = [];
	H.errors = [];

	// ---------------------------------------------------------------- strings

	function escapeHTML(s) {
		return String(s).replace(/[&<>"']/g, function(c) {
			return { '&': '&#38;', '<': '&#60;', '>': '&#62;', '"': '&#34;', "'": '&#39;' }[c];
		});
	}

	String.prototype.format = function() {
		var args = arguments, i = 0;
		return this.replace(/%([%sdfh])/g, function(m, c) {
			if (c == '%')
				return '%';
			var v = args[i++];
			switch (c) {
			case 'd': return String(Math.floor(+v));
			case 'f': return String(+v);
			case 'h': return escapeHTML(v == null ? '' : v);
			default: return String(v);
			}
		});
	};

	function _(s) { return s; }

	// ---------------------------------------------------------------- dom / E

	var dom = {
		elem: function(e) { return e != null && typeof e == 'object' && 'nodeType' in e; },

		parse: function(s) {
			var t = document.createElement('template');
			t.innerHTML = s;
			return t.content.firstChild;
		},

		append: function(node, children) {
			if (!this.elem(node))
				return null;
			if (Array.isArray(children)) {
				for (var i = 0; i < children.length; i++)
					if (this.elem(children[i]))
						node.appendChild(children[i]);
					else if (children[i] !== null && children[i] !== undefined)
						node.appendChild(document.createTextNode('' + children[i]));
				return node.lastChild;
			}
			if (typeof children === 'function')
				return this.append(node, children(node));
			if (this.elem(children))
				return node.appendChild(children);
			if (children !== null && children !== undefined) {
				node.innerHTML = '' + children; // as luci.js: a bare string is markup
				return node.lastChild;
			}
			return null;
		},

		content: function(node, children) {
			if (!this.elem(node))
				return null;
			while (node.firstChild)
				node.removeChild(node.firstChild);
			return this.append(node, children);
		},

		attr: function(node, key, val) {
			var attr = null;
			if (typeof key === 'object' && key !== null)
				attr = key;
			else if (typeof key === 'string')
				attr = {}, attr[key] = val;
			for (key in attr) {
				if (!Object.prototype.hasOwnProperty.call(attr, key) || attr[key] == null)
					continue;
				if (typeof attr[key] === 'function')
					node.addEventListener(key, attr[key]);
				else if (typeof attr[key] === 'object')
					node.setAttribute(key, JSON.stringify(attr[key]));
				else
					node.setAttribute(key, attr[key]);
			}
		},

		create: function(html, attr, data) {
			var elem;
			if (!(attr instanceof Object) || Array.isArray(attr))
				data = attr, attr = null;
			if (Array.isArray(html)) {
				elem = document.createDocumentFragment();
				for (var i = 0; i < html.length; i++)
					elem.appendChild(this.create(html[i]));
			}
			else if (this.elem(html))
				elem = html;
			else if (String(html).charCodeAt(0) === 60)
				elem = this.parse(html);
			else
				elem = document.createElement(html);
			if (!elem)
				return null;
			if (attr)
				this.attr(elem, attr);
			this.append(elem, data);
			return elem;
		}
	};

	function E() { return dom.create.apply(dom, arguments); }

	// ---------------------------------------------------------------- L

	var L = {
		resolveDefault: function(p, d) {
			return Promise.resolve(p).then(null, function() { return d; });
		},
		naturalCompare: function(a, b) {
			return String(a).localeCompare(String(b), undefined, { numeric: true });
		},
		bind: function(fn, self) {
			var args = Array.prototype.slice.call(arguments, 2);
			return function() { return fn.apply(self, args.concat(Array.prototype.slice.call(arguments))); };
		},
		error: function(type, msg) { throw new Error(type + ': ' + msg); }
	};

	function clone(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }

	function later(v) { return new Promise(function(resolve) { setTimeout(function() { resolve(v); }, 0); }); }

	// ---------------------------------------------------------------- rpc

	// ubus calls answer from fixtures.rpc["object.method"]; `expect` picks a key of the
	// reply as rpc.js does ('' means the whole reply).
	function ubusCall(object, method) {
		var key = object + '.' + method;
		H.access.ubus.push(key);
		var fx = H.fixtures.rpc || {};
		// rpcd's homeport plugin checks what `uci commit` would write: here, the stand-in's
		// uci state, which holds every staged change.
		if (key == 'homeport.check' && typeof H.stagedCheck == 'function' && !Object.prototype.hasOwnProperty.call(fx, key))
			return Promise.resolve(H.stagedCheck(uci.export('homeport', true))).then(function(r) { return later(clone(r)); });
		if (!Object.prototype.hasOwnProperty.call(fx, key))
			return Promise.reject(new Error('ubus: no fixture for ' + key));
		return later(clone(fx[key]));
	}

	var rpc = {
		declare: function(spec) {
			return function() {
				return ubusCall(spec.object, spec.method).then(function(reply) {
					var keys = Object.keys(spec.expect || {});
					if (!keys.length || keys[0] === '')
						return reply;
					return (reply != null && reply[keys[0]] != null) ? reply[keys[0]] : spec.expect[keys[0]];
				});
			};
		}
	};

	// ---------------------------------------------------------------- uci

	// fixtures.uci: { "<config>": [ { ".name", ".type", ".anonymous", options... } ] }
	var uci = {
		state: {},
		changes: [],
		// What the rpcd session holds: the state as of the last save() (uci.js save()
		// sends the client's changes to the session; an unsaved dialog's are not there).
		session: {},

		load: function(conf) {
			var confs = Array.isArray(conf) ? conf : [ conf ];
			for (var i = 0; i < confs.length; i++) {
				H.access.uciRead.push(confs[i]);
				if (!(confs[i] in (H.fixtures.uci || {})))
					return Promise.reject(new Error('uci: no such config ' + confs[i]));
				if (!(confs[i] in this.state)) {
					this.state[confs[i]] = clone(H.fixtures.uci[confs[i]]);
					this.session[confs[i]] = clone(H.fixtures.uci[confs[i]]);
				}
			}
			return later(confs);
		},

		unload: function(conf) { delete this.state[conf]; },

		sections: function(conf, type) {
			return (this.state[conf] || []).filter(function(s) { return type == null || s['.type'] == type; });
		},

		section: function(conf, sid) {
			return (this.state[conf] || []).filter(function(s) { return s['.name'] == sid; })[0];
		},

		get: function(conf, sid, opt) {
			var s = this.section(conf, sid);
			if (!s)
				return null;
			if (opt == null)
				return s;
			return s[opt] == null ? null : s[opt];
		},

		set: function(conf, sid, opt, val) {
			var s = this.section(conf, sid);
			H.access.uciWrite.push(conf);
			if (!s)
				return;
			if (val == null || val === '' || (Array.isArray(val) && !val.length))
				return this.unset(conf, sid, opt);
			var v = Array.isArray(val) ? val.map(String) : String(val);
			if (JSON.stringify(s[opt]) === JSON.stringify(v))
				return; // the same value: nothing changes in the file
			s[opt] = v;
			this.changes.push([ 'set', conf, sid, opt, v ]);
		},

		unset: function(conf, sid, opt) {
			var s = this.section(conf, sid);
			H.access.uciWrite.push(conf);
			if (s && s[opt] != null) {
				delete s[opt];
				this.changes.push([ 'unset', conf, sid, opt ]);
			}
		},

		add: function(conf, type, name) {
			H.access.uciWrite.push(conf);
			var sid = name || ('cfg' + (0x100000 + Math.floor(Math.random() * 0xeffff)).toString(16));
			this.state[conf] = this.state[conf] || [];
			this.state[conf].push({ '.name': sid, '.type': type, '.anonymous': !name });
			this.changes.push([ 'add', conf, sid, type ]);
			return sid;
		},

		remove: function(conf, sid) {
			H.access.uciWrite.push(conf);
			this.state[conf] = (this.state[conf] || []).filter(function(s) { return s['.name'] != sid; });
			this.changes.push([ 'remove', conf, sid ]);
		},

		save: function() {
			this.session = clone(this.state);
			return Promise.resolve();
		},

		// The config as /etc/config/<conf> text (uci export); `staged`: as the session
		// holds it (the fixture's file until the page has loaded it).
		export: function(conf, staged) {
			var state = this.state;
			if (staged) {
				state = {};
				state[conf] = (conf in this.session) ? this.session[conf] : (H.fixtures.uci || {})[conf];
			}
			function q(v) { return "'" + String(v).replace(/'/g, "'\\''") + "'"; }
			return (state[conf] || []).map(function(s) {
				var out = 'config ' + s['.type'] + (s['.anonymous'] ? '' : ' ' + q(s['.name'])) + '\n';
				Object.keys(s).filter(function(k) { return k.charAt(0) != '.'; }).forEach(function(k) {
					if (Array.isArray(s[k]))
						s[k].forEach(function(v) { out += '\tlist ' + k + ' ' + q(v) + '\n'; });
					else
						out += '\toption ' + k + ' ' + q(s[k]) + '\n';
				});
				return out;
			}).join('\n');
		}
	};
	H.uci = uci;

	// ---------------------------------------------------------------- poll, ui

	var poll = {
		add: function(fn, interval) { H.polls.push({ fn: fn, interval: interval }); }
	};
	H.pollOnce = function() {
		return Promise.all(H.polls.map(function(p) { return p.fn(); }));
	};

	var ui = {
		showModal: function(title, children) {
			var overlay = document.getElementById('modal_overlay');
			if (!overlay) {
				overlay = E('div', { 'id': 'modal_overlay' }, [ E('div', { 'class': 'modal', 'role': 'dialog' }) ]);
				document.body.appendChild(overlay);
			}
			var dlg = overlay.firstElementChild;
			dom.content(dlg, [ E('h4', {}, [ title ]) ].concat(children || []));
			document.body.classList.add('modal-overlay-active');
			return dlg;
		},
		hideModal: function() {
			document.body.classList.remove('modal-overlay-active');
			var overlay = document.getElementById('modal_overlay');
			if (overlay)
				dom.content(overlay.firstElementChild, []);
		},
		changes: {
			// ui.js changes.apply(): commits the session's changes; counted here.
			apply: function(checked) { H.applied = (H.applied || 0) + 1; }
		},
		addNotification: function(title, children, cls) {
			var n = E('div', { 'class': 'alert-message ' + (cls || '') }, [ title ? E('h4', {}, [ title ]) : '', E('div', {}, [ children ]) ]);
			var main = document.getElementById('maincontent') || document.body;
			main.insertBefore(n, main.firstChild);
			return n;
		},
		createHandlerFn: function(ctx, fn) {
			var args = Array.prototype.slice.call(arguments, 2);
			return function(ev) {
				var f = (typeof fn == 'string') ? ctx[fn] : fn;
				return f.apply(ctx, args.concat([ ev ]));
			};
		}
	};

	// ---------------------------------------------------------------- form

	function extend(Base, proto) {
		var C = function() {
			if (this.__init__)
				this.__init__.apply(this, arguments);
		};
		C.prototype = Object.create(Base ? Base.prototype : Object.prototype);
		C.prototype.constructor = C;
		Object.keys(proto).forEach(function(k) { C.prototype[k] = proto[k]; });
		return C;
	}

	function isEqual(a, b) {
		return JSON.stringify(a == null ? null : a) === JSON.stringify(b == null ? null : b);
	}

	function cssValue(v) { return String(v).replace(/["\\]/g, '\\$&'); }

	var Map = extend(null, {
		__init__: function(config, title, description) {
			this.config = config;
			this.title = title || '';
			this.description = description || '';
			this.children = [];
			this.data = uci;
			this.widgets = {};
			this.root = null;
			H.maps.push(this);
		},
		section: function(cls) {
			var args = Array.prototype.slice.call(arguments, 1);
			var s = Object.create(cls.prototype);
			cls.apply(s, [ this ].concat(args));
			this.children.push(s);
			return s;
		},
		load: function() {
			var self = this;
			return uci.load(this.config).then(function() {
				return Promise.all(self.children.map(function(s) { return s.load(); }));
			});
		},
		render: function() {
			var self = this;
			return this.load().then(function() {
				return Promise.all(self.children.map(function(s) { return s.render(); }));
			}).then(function(nodes) {
				self.root = E('div', { 'class': 'cbi-map', 'id': 'cbi-' + self.config }, [
					E('h2', {}, [ self.title ]),
					E('div', { 'class': 'cbi-map-descr' }, [ self.description ])
				].concat(nodes));
				self.root.addEventListener('change', function() { self.checkDepends(); });
				self.checkDepends();
				return self.root;
			});
		},
		findElement: function(attr, value) {
			return this.root ? this.root.querySelector('[' + attr + '="' + cssValue(value) + '"]') : null;
		},
		checkDepends: function() {
			var self = this;
			this.children.forEach(function(s) {
				s.cfgsections().forEach(function(sid) {
					s.children.forEach(function(o) {
						var field = self.findElement('data-field', o.cbid(sid));
						if (!field || !o.deps.length)
							return;
						var on = o.deps.some(function(d) {
							return Object.keys(d).every(function(k) { return String(s.formvalue(sid, k)) == String(d[k]); });
						});
						field.classList.toggle('hidden', !on);
					});
				});
			});
		},
		parse: function() {
			return Promise.all(this.children.map(function(s) { return s.parse(); }));
		},
		save: function() {
			this.checkDepends();
			return this.parse();
		}
	});

	var AbstractSection = extend(null, {
		__init__: function(map) {
			this.map = map;
			this.children = [];
			this.tabs = [];
			this.tabTitles = {};
		},
		tab: function(name, title) {
			if (this.tabs.indexOf(name) >= 0)
				throw new Error('Tab already declared');
			this.tabs.push(name);
			this.tabTitles[name] = title;
		},
		option: function(cls, name, title, description) {
			var o = Object.create(cls.prototype);
			cls.call(o, this.map, this, name, title, description);
			this.children.push(o);
			return o;
		},
		taboption: function(tab, cls, name, title, description) {
			if (this.tabs.indexOf(tab) < 0)
				throw new Error('Associated tab not declared');
			var o = this.option(cls, name, title, description);
			o.tab = tab;
			return o;
		},
		formvalue: function(sid, option) {
			var o = this.children.filter(function(c) { return c.option == option; })[0];
			if (!o)
				return null;
			var w = o.getUIElement(sid);
			var v = w ? w.getValue() : o.cfgvalue(sid);
			return (v == null) ? o.default : v;
		},
		load: function() {
			var self = this;
			var tasks = [];
			this.cfgsections().forEach(function(sid) {
				self.children.forEach(function(o) {
					tasks.push(Promise.resolve(o.load(sid)).then(function(v) { o.cfgvalue(sid, v); }));
				});
			});
			return Promise.all(tasks);
		},
		renderOptions: function(sid, options) {
			var self = this;
			var groups = this.tabs.length ? this.tabs : [ null ];
			return groups.map(function(tab) {
				var rows = options.filter(function(o) { return (o.tab || null) == tab || !self.tabs.length; })
					.map(function(o) { return o.render(sid); });
				return tab ? E('fieldset', { 'class': 'cbi-tabcontainer', 'data-tab': tab }, [ E('legend', {}, [ self.tabTitles[tab] ]) ].concat(rows)) : E('div', {}, rows);
			});
		}
	});

	var NamedSection = extend(AbstractSection, {
		__init__: function(map, sid, type, title) {
			AbstractSection.prototype.__init__.call(this, map);
			this.sid = sid;
			this.sectiontype = type;
			this.title = title || '';
		},
		cfgsections: function() { return uci.get(this.map.config, this.sid) ? [ this.sid ] : []; },
		render: function() {
			var self = this;
			return E('fieldset', { 'class': 'cbi-section', 'id': 'cbi-' + this.map.config + '-' + this.sid },
				this.cfgsections().length ? this.renderOptions(this.sid, this.children) : [ E('em', {}, [ 'section ' + this.sid + ' missing' ]) ]);
		},
		parse: function() {
			var self = this;
			return Promise.all(this.cfgsections().map(function(sid) {
				return Promise.all(self.children.map(function(o) { return o.parse(sid); }));
			}));
		}
	});

	var GridSection = extend(AbstractSection, {
		__init__: function(map, type, title, description) {
			AbstractSection.prototype.__init__.call(this, map);
			this.sectiontype = type;
			this.title = title || '';
			this.description = description || '';
			this.anonymous = false;
			this.addremove = false;
		},
		cfgsections: function() {
			return uci.sections(this.map.config, this.sectiontype).map(function(s) { return s['.name']; });
		},
		stripTags: function(s) { return String(s == null ? '' : s).replace(/<[^>]*>/g, ''); },
		renderTextValue: function(sid, opt) {
			var value = opt.textvalue(sid);
			// As form.js: a string value lands in dom.append() bare, i.e. as markup.
			return E('td', { 'class': 'td cbi-value-field', 'data-title': this.stripTags(opt.title), 'data-name': opt.option },
				(value != null) ? value : E('em', _('none')));
		},
		renderRow: function(sid) {
			var self = this;
			var cells = this.children.filter(function(o) { return !o.modalonly; }).map(function(o) {
				if (o.editable) {
					var node = o.renderWidget(sid, 0, o.cfgvalue(sid) == null ? o.default : o.cfgvalue(sid));
					return E('td', { 'class': 'td cbi-value-field', 'data-name': o.option, 'data-field': o.cbid(sid) }, [ node ]);
				}
				return self.renderTextValue(sid, o);
			});
			cells.push(E('td', { 'class': 'td cbi-section-table-cell nowrap cbi-section-actions' }, [
				E('button', { 'class': 'cbi-button cbi-button-edit', 'data-sid': sid, 'click': function() { self.renderMoreOptionsModal(sid); } }, [ _('Edit') ]),
				' ',
				this.addremove ? E('button', { 'class': 'cbi-button cbi-button-remove', 'click': function() { self.handleRemove(sid); } }, [ _('Delete') ]) : ''
			]));
			return E('tr', { 'class': 'tr cbi-section-table-row', 'data-sid': sid }, cells);
		},
		renderTable: function() {
			var self = this;
			var heads = this.children.filter(function(o) { return !o.modalonly; }).map(function(o) {
				return E('th', { 'class': 'th cbi-section-table-cell' }, [ self.stripTags(o.title) ]);
			});
			heads.push(E('th', { 'class': 'th cbi-section-table-cell' }, [ '' ]));
			var rows = this.cfgsections().map(function(sid) { return self.renderRow(sid); });
			if (!rows.length)
				rows.push(E('tr', { 'class': 'tr placeholder' }, [ E('td', { 'class': 'td' }, [ E('em', {}, [ _('This section contains no values yet') ]) ]) ]));
			return E('table', { 'class': 'table cbi-section-table' }, [ E('tr', { 'class': 'tr cbi-section-table-titles' }, heads) ].concat(rows));
		},
		renderSectionAdd: function(extra_class) {
			var self = this;
			var createEl = E('div', { 'class': 'cbi-section-create' });
			var title = this.addbtntitle || _('Add');
			if (this.anonymous) {
				dom.append(createEl, E('button', { 'class': 'cbi-button cbi-button-add', 'click': function(ev) { self.handleAdd(ev); } }, [ title ]));
			}
			else {
				var nameEl = E('input', { 'type': 'text', 'class': 'cbi-section-create-name' });
				var btn = E('button', { 'class': 'cbi-button cbi-button-add', 'disabled': true, 'click': function(ev) { self.handleAdd(ev, nameEl.value); } }, [ title ]);
				nameEl.addEventListener('input', function() { btn.disabled = !/^[A-Za-z0-9_]+$/.test(nameEl.value); });
				dom.append(createEl, [ E('div', {}, [ nameEl ]), btn ]);
			}
			return createEl;
		},
		render: function() {
			this.node = E('div', { 'class': 'cbi-section cbi-tblsection', 'id': 'cbi-' + this.map.config + '-' + this.sectiontype }, [
				E('h3', {}, [ this.title ]),
				E('div', { 'class': 'cbi-section-descr' }, [ this.description ]),
				this.renderTable(),
				this.addremove ? this.renderSectionAdd() : ''
			]);
			return this.node;
		},
		// After a dialog's Save or a Delete, form.js reloads the map and renders it anew.
		refresh: function() {
			var self = this;
			return this.load().then(function() {
				var table = self.node.querySelector('table');
				table.parentNode.replaceChild(self.renderTable(), table);
			});
		},
		handleAdd: function(ev, name) {
			var sid = uci.add(this.map.config, this.sectiontype, name);
			this.addedSection = sid;
			return this.renderMoreOptionsModal(sid);
		},
		// The modal edits clones of the options bound to a map of their own (form.js
		// GridSection.renderMoreOptionsModal / cloneOptions).
		renderMoreOptionsModal: function(sid) {
			var self = this;
			var mm = Object.create(Map.prototype);
			mm.config = this.map.config; mm.data = uci; mm.widgets = {}; mm.children = [];
			var ms = Object.create(NamedSection.prototype);
			AbstractSection.prototype.__init__.call(ms, mm);
			ms.sid = sid; ms.sectiontype = this.sectiontype; ms.tabs = this.tabs; ms.tabTitles = this.tabTitles;
			ms.children = this.children.filter(function(o) { return o.modalonly !== false; }).map(function(o) {
				var c = Object.create(o);
				c.map = mm; c.section = ms;
				return c;
			});
			mm.children = [ ms ];
			return ms.load().then(function() {
				var body = E('div', { 'class': 'cbi-section', 'data-modal-sid': sid }, ms.renderOptions(sid, ms.children));
				mm.root = body;
				body.addEventListener('change', function() { mm.checkDepends(); });
				body.addEventListener('input', function() { mm.checkDepends(); });
				var dlg = ui.showModal((self.modaltitle ? self.modaltitle(sid) : self.title) + ' » ' + (uci.get(self.map.config, sid, 'name') || sid), [
					body,
					E('div', { 'class': 'right' }, [
						E('button', { 'class': 'cbi-button', 'click': function() {
							if (self.addedSection == sid)
								uci.remove(self.map.config, sid);
							self.addedSection = null;
							ui.hideModal();
							self.refresh();
						} }, [ _('Dismiss') ]),
						' ',
						E('button', { 'class': 'cbi-button cbi-button-positive important', 'click': function() {
							return self.handleModalSave(mm, ms, sid);
						} }, [ _('Save') ])
					])
				]);
				mm.checkDepends();
				return dlg;
			});
		},
		// form.js GridSection.handleModalSave(): parse the dialog's options (which stages
		// them), reload and render the map anew, close the dialog; a rejection says nothing.
		handleModalSave: function(mm, ms, sid) {
			var self = this;
			mm.checkDepends();
			return Promise.all(ms.children.map(function(o) { return o.parse(sid); })).then(function() {
				return uci.save();
			}).then(function() {
				self.addedSection = null;
				ui.hideModal();
				return self.refresh();
			}).catch(function(e) { H.modalError = e; });
		},
		// form.js TypedSection.handleRemove(): remove the section and render anew.
		handleRemove: function(sid) {
			uci.remove(this.map.config, sid);
			return uci.save().then(L.bind(this.refresh, this));
		},
		parse: function() {
			var self = this;
			var tasks = [];
			this.cfgsections().forEach(function(sid) {
				self.children.forEach(function(o) {
					if (o.editable && !o.modalonly)
						tasks.push(o.parse(sid));
				});
			});
			return Promise.all(tasks);
		}
	});

	var AbstractValue = extend(null, {
		__init__: function(map, section, option, title, description) {
			this.map = map;
			this.section = section;
			this.option = option;
			this.title = title || '';
			this.description = description || '';
			this.deps = [];
			this.rmempty = true;
			this.default = null;
			this.data = {};
			this.keylist = [];
			this.vallist = [];
		},
		depends: function(field, value) {
			var d = field;
			if (typeof field != 'object') {
				d = {};
				d[field] = value;
			}
			this.deps.push(d);
		},
		value: function(key, label) {
			this.keylist.push(String(key));
			this.vallist.push(label != null ? label : key);
		},
		cbid: function(sid) {
			return 'cbid.' + (this.uciconfig || this.map.config) + '.' + sid + '.' + this.option;
		},
		load: function(sid) {
			return uci.get(this.uciconfig || this.map.config, this.ucisection || sid, this.ucioption || this.option);
		},
		cfgvalue: function(sid, set) {
			if (arguments.length == 2)
				this.data[sid] = set;
			return this.data[sid];
		},
		getUIElement: function(sid) { return this.map.widgets[this.cbid(sid)]; },
		formvalue: function(sid) {
			var w = this.getUIElement(sid);
			return w ? w.getValue() : null;
		},
		textvalue: function(sid) {
			var cval = this.cfgvalue(sid);
			if (cval == null)
				cval = this.default;
			if (Array.isArray(cval))
				cval = cval.join(' ');
			return (cval != null) ? '%h'.format(cval) : null;
		},
		validate: function() { return true; },
		isValid: function(sid) {
			var w = this.getUIElement(sid);
			return w ? w.isValid() : true;
		},
		isActive: function(sid) {
			var field = this.map.findElement('data-field', this.cbid(sid));
			return field != null && !field.classList.contains('hidden');
		},
		parse: function(sid) {
			var active = this.isActive(sid);
			if (active && !this.isValid(sid))
				return Promise.reject(new TypeError('Option "' + this.option + '" contains an invalid input value.'));
			if (active) {
				var cval = this.cfgvalue(sid), fval = this.formvalue(sid);
				if (fval == null || fval == '') {
					if (this.rmempty || this.optional)
						return Promise.resolve(this.remove(sid));
					return Promise.reject(new TypeError('Option "' + this.option + '" must not be empty.'));
				}
				else if (this.forcewrite || !isEqual(cval, fval)) {
					return Promise.resolve(this.write(sid, fval));
				}
			}
			else if (!this.retain) {
				return Promise.resolve(this.remove(sid));
			}
			return Promise.resolve();
		},
		write: function(sid, v) { return uci.set(this.uciconfig || this.map.config, this.ucisection || sid, this.ucioption || this.option, v); },
		remove: function(sid) { return uci.unset(this.uciconfig || this.map.config, this.ucisection || sid, this.ucioption || this.option); },
		render: function(sid) {
			var cval = this.cfgvalue(sid);
			if (cval == null)
				cval = this.default;
			var node = this.renderWidget(sid, 0, cval);
			return E('div', { 'class': 'cbi-value', 'data-field': this.cbid(sid), 'data-name': this.option }, [
				E('label', { 'class': 'cbi-value-title', 'for': this.cbid(sid) }, [ this.title ]),
				E('div', { 'class': 'cbi-value-field' }, [
					node,
					this.description ? E('div', { 'class': 'cbi-value-description' }, [ this.description ]) : ''
				])
			]);
		},
		// Registers the UI element of a rendered widget ({ getValue(), isValid() }; invalid
		// inputs get LuCI's class) and returns its node.
		widget: function(sid, node, getValue) {
			var o = this;
			this.map.widgets[this.cbid(sid)] = {
				node: node,
				getValue: getValue,
				isValid: function() {
					var v = getValue();
					var list = Array.isArray(v) ? v : [ v ];
					for (var i = 0; i < list.length; i++) {
						var r = o.validate(sid, list[i]);
						if (r !== true) {
							node.classList.add('cbi-input-invalid');
							node.setAttribute('title', String(r));
							return false;
						}
					}
					node.classList.remove('cbi-input-invalid');
					return true;
				}
			};
			return node;
		}
	});

	var Value = extend(AbstractValue, {
		renderWidget: function(sid, option_index, cval) {
			var input = E('input', { 'type': this.password ? 'password' : 'text', 'class': 'cbi-input-text', 'id': this.cbid(sid),
				'placeholder': this.placeholder || null, 'value': cval == null ? '' : String(cval) });
			var node = input;
			if (this.keylist.length) {
				var listId = this.cbid(sid) + '.choices';
				input.setAttribute('list', listId);
				node = E('span', {}, [ input, E('datalist', { 'id': listId }, this.keylist.map(function(k, i) {
					return E('option', { 'value': k }, [ this.vallist[i] ]);
				}, this)) ]);
			}
			return this.widget(sid, node, function() { return input.value; });
		}
	});

	// As form.js ListValue.renderWidget() with ui.js Select.render(): options are the
	// choices only (an empty one first when the option is `optional` or a choice is ''),
	// and the one equal to the value is marked selected. A value that is no choice marks
	// none, so the browser shows (and getValue() returns) the first option: the empty one
	// where there is one, else the first choice. Saved untouched, that is what is written.
	var ListValue = extend(AbstractValue, {
		renderWidget: function(sid, option_index, cval) {
			var keys = [], labels = [], empty = this.optional || this.keylist.indexOf('') >= 0;
			if (empty) {
				keys.push('');
				labels.push(this.vallist[this.keylist.indexOf('')] || this.placeholder || _('-- Please choose --'));
			}
			this.keylist.forEach(function(k, i) {
				if (k !== '') {
					keys.push(k);
					labels.push(this.vallist[i]);
				}
			}, this);
			var values = Array.isArray(cval) ? cval.slice(0, 1) : (cval != null && cval !== '' ? [ String(cval) ] : []);
			var sel = E('select', { 'class': 'cbi-input-select', 'id': this.cbid(sid) }, keys.map(function(k, i) {
				return E('option', { 'value': k }, [ labels[i] ]);
			}));
			var at = values.length ? keys.indexOf(values[0]) : (empty ? 0 : -1);
			sel.selectedIndex = at >= 0 ? at : 0;
			return this.widget(sid, sel, function() { return sel.value; });
		}
	});

	var Flag = extend(AbstractValue, {
		__init__: function() {
			AbstractValue.prototype.__init__.apply(this, arguments);
			this.enabled = '1';
			this.disabled = '0';
			this.default = this.disabled;
		},
		renderWidget: function(sid, option_index, cval) {
			var box = E('input', { 'type': 'checkbox', 'id': this.cbid(sid) });
			box.checked = (cval == this.enabled);
			var o = this;
			return this.widget(sid, box, function() { return box.checked ? o.enabled : o.disabled; });
		},
		textvalue: function(sid) {
			var v = this.cfgvalue(sid);
			if (v == null) v = this.default;
			return (v == this.enabled) ? _('Yes') : _('No');
		},
		parse: function(sid) {
			if (this.isActive(sid)) {
				var fval = this.formvalue(sid);
				if (!this.isValid(sid))
					return Promise.reject(new TypeError('Option "' + this.option + '" contains an invalid input value.'));
				if (fval == this.default && (this.optional || this.rmempty))
					return Promise.resolve(this.remove(sid));
				return Promise.resolve(this.write(sid, fval));
			}
			else if (!this.retain) {
				return Promise.resolve(this.remove(sid));
			}
			return Promise.resolve();
		}
	});

	var DynamicList = extend(AbstractValue, {
		renderWidget: function(sid, option_index, cval) {
			var values = Array.isArray(cval) ? cval.slice() : (cval != null && cval !== '' ? String(cval).split(/\s+/) : []);
			var list = E('div', { 'class': 'cbi-dynlist', 'id': this.cbid(sid) });
			var items = E('div', {});
			var input = E('input', { 'type': 'text', 'class': 'cbi-input-text', 'placeholder': this.placeholder || null });
			function draw() {
				dom.content(items, values.map(function(v, i) {
					return E('div', { 'class': 'item' }, [ E('span', {}, [ v ]), ' ',
						E('button', { 'class': 'cbi-button', 'click': function(ev) { ev.preventDefault(); values.splice(i, 1); draw(); list.dispatchEvent(new window.Event('change', { bubbles: true })); } }, [ '×' ]) ]);
				}));
			}
			function add(ev) {
				if (ev) ev.preventDefault();
				if (input.value.trim() != '') {
					values.push(input.value.trim());
					input.value = '';
					draw();
				}
			}
			input.addEventListener('keydown', function(ev) { if (ev.key == 'Enter') add(ev); });
			dom.append(list, [ items, E('div', { 'class': 'add-item' }, [ input, ' ', E('button', { 'class': 'cbi-button cbi-button-add', 'click': add }, [ '+' ]) ]) ]);
			draw();
			return this.widget(sid, list, function() {
				var out = values.slice();
				if (input.value.trim() != '')
					out.push(input.value.trim());
				return out;
			});
		}
	});

	var DummyValue = extend(AbstractValue, {
		renderWidget: function(sid, option_index, cval) {
			var v = this.textvalue(sid);
			var node = E('div', { 'id': this.cbid(sid) }, dom.elem(v) ? [ v ] : [ v == null ? '' : String(v) ]);
			return this.widget(sid, node, function() { return null; });
		},
		parse: function() { return Promise.resolve(); }
	});

	// tools.widgets: pickers fed from network.js/firewall.js sources, as LuCI's are
	// (uci network + network.interface dump, luci-rpc getNetworkDevices, uci firewall).
	function picker(loadChoices) {
		return extend(ListValue, {
			load: function(sid) {
				var self = this;
				return loadChoices().then(function(choices) {
					self.keylist = []; self.vallist = [];
					if (self.optional || self.rmempty)
						self.value('', _('unspecified'));
					choices.forEach(function(c) { self.value(c, c); });
				}, function() { return null; }).then(function() { return ListValue.prototype.load.call(self, sid); });
			}
		});
	}

	var widgets = {
		NetworkSelect: picker(function() {
			return Promise.all([ L.resolveDefault(ubusCall('network.interface', 'dump'), {}), uci.load('network') ]).then(function() {
				return uci.sections('network', 'interface').map(function(s) { return s['.name']; }).filter(function(n) { return n != 'loopback'; });
			});
		}),
		DeviceSelect: picker(function() {
			return ubusCall('luci-rpc', 'getNetworkDevices').then(function(devs) { return Object.keys(devs || {}).sort(); });
		}),
		ZoneSelect: picker(function() {
			return uci.load('firewall').then(function() {
				return uci.sections('firewall', 'zone').map(function(s) { return s.name; });
			});
		})
	};

	var form = {
		Map: Map, NamedSection: NamedSection, GridSection: GridSection, TypedSection: GridSection,
		AbstractValue: AbstractValue, Value: Value, ListValue: ListValue, Flag: Flag,
		DynamicList: DynamicList, DummyValue: DummyValue
	};

	// view.js: handleSave() saves every map of the page, handleSaveApply() saves and then
	// applies the staged changes (ui.changes.apply).
	var view = {
		extend: function(proto) {
			return Object.assign({
				handleSave: function(ev) { return H.save(); },
				handleSaveApply: function(ev, mode) {
					return this.handleSave(ev).then(function() { ui.changes.apply(mode == '0'); });
				}
			}, proto);
		}
	};

	// luci.js baseclass.extend(): a class; a module returning one is instantiated once.
	var baseclass = {
		extend: function(proto) { return extend(null, proto); }
	};

	var modules = { view: view, form: form, rpc: rpc, poll: poll, dom: dom, uci: uci, ui: ui, baseclass: baseclass, 'tools.widgets': widgets };

	// Evaluates a file's source as LuCI's loader does: the `'require x as y'` lines name
	// the modules handed to the file's body, whose return value is the module. The app's
	// own modules (`homeport.<name>`) come from H.sources (their file text).
	function load(source) {
		var names = [], values = [];
		source.replace(/^[ \t]*'require ([\w.]+)(?: as (\w+))?';/mg, function(m, mod, as) {
			if (!(mod in modules) && /^homeport\./.test(mod) && H.sources && H.sources[mod] != null) {
				var rv = load(H.sources[mod]);
				modules[mod] = (typeof rv == 'function') ? new rv() : rv;
			}
			if (!(mod in modules))
				throw new Error('stand-in has no module ' + mod);
			names.push(as || mod.replace(/^.*\./, ''));
			values.push(modules[mod]);
			return m;
		});
		return (new Function(names.join(','), source)).apply(window, values);
	}

	// Runs a view file: renders it into `container` with LuCI's Save & Apply button.
	H.run = function(source, container) {
		var v = load(source);
		H.view = v;
		return Promise.resolve(v.load ? v.load() : null).then(function(data) {
			return v.render(data);
		}).then(function(node) {
			dom.content(container, [ node ]);
			if (v.handleSave !== null) {
				container.appendChild(E('div', { 'class': 'cbi-page-actions' }, [
					E('button', { 'class': 'cbi-button cbi-button-apply', 'id': 'homeport-save', 'click': function() { return H.saveApply(); } }, [ _('Save & Apply') ])
				]));
			}
			return node;
		});
	};

	// What LuCI's view.handleSave() does: save() every map on the page.
	H.save = function() {
		return Promise.all(H.maps.map(function(m) { return m.save(); })).then(function() { return uci.save(); });
	};

	// The page's Save & Apply button (view.js addFooter): the view's handleSaveApply().
	// (A page without one, as status.js, has no such button.)
	H.saveApply = function() {
		if (typeof H.view.handleSaveApply != 'function')
			return Promise.resolve();
		return Promise.resolve(H.view.handleSaveApply(null, '0'));
	};

	window.E = E;
	window._ = _;
	window.L = L;
})(window);
