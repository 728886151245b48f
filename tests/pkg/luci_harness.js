// SPDX-License-Identifier: GPL-2.0-only
//
// Runs one luci-app-homeport view outside a browser, against stand-ins for LuCI's
// modules (view, form, rpc, poll, dom, uci, ui, tools.widgets, L, E, _) that record what
// the view declares, and prints that record as JSON on stdout (the DOM-rendering
// stand-in the views' behaviour is tested on is tests/luci/standin/luci.js):
//
//   node luci_harness.js <view.js> <fixtures.json>
//
// fixtures.json: { "rpc": { "<object>.<method>": <answer> }, "uci": { "<type>": [<section>...] } }
// The record: the form sections and options (class, name, tab, depends, values, flags),
// the rpc declarations, the poll registrations, and the text of the rendered page and of
// every option's table cell, after one poll round. Any exception fails the run (exit 1).
// The app's own modules (`'require homeport.<name> as <var>'`) are loaded from
// htdocs/luci-static/resources/homeport/ against the same stand-ins.

'use strict';

const fs = require('fs');

const [viewPath, fixturesPath] = process.argv.slice(2);
const fixtures = JSON.parse(fs.readFileSync(fixturesPath, 'utf8'));

// LuCI extends String with a printf-like format().
String.prototype.format = function() {
	const args = Array.from(arguments);
	return this.replace(/%([sdf%])/g, (m, c) => (c === '%' ? '%' : String(args.shift())));
};

function E(tag, attrs, children) {
	if (children === undefined && (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs) || attrs.tag)) {
		children = attrs;
		attrs = {};
	}
	const node = { tag, attrs: attrs || {}, children: [] };
	dom.append(node, children);
	node.querySelectorAll = (sel) => {
		const m = /^\[([a-z-]+)\]$/.exec(sel);
		const out = [];
		const walk = (n) => {
			if (n && typeof n === 'object') {
				if (m && n.attrs && n.attrs[m[1]] !== undefined) out.push(n);
				(n.children || []).forEach(walk);
			}
		};
		walk(node);
		return out;
	};
	node.getAttribute = (k) => node.attrs[k];
	return node;
}

function text(n) {
	if (n == null) return '';
	if (typeof n !== 'object') return String(n);
	return (n.children || []).map(text).join(' ');
}

const dom = {
	append(node, children) {
		if (children == null) return;
		(Array.isArray(children) ? children : [children]).forEach((c) => {
			if (c != null) node.children.push(c);
		});
	},
	content(node, children) {
		node.children = [];
		dom.append(node, children);
	}
};

const record = { sections: [], declares: [], polls: [], cells: {} };
const polls = [];

const rpc = {
	declare(spec) {
		record.declares.push({ object: spec.object, method: spec.method, params: spec.params || [] });
		return function() {
			const key = spec.object + '.' + spec.method;
			if (!(key in fixtures.rpc)) return Promise.reject(new Error('no fixture for ' + key));
			return Promise.resolve(JSON.parse(JSON.stringify(fixtures.rpc[key])));
		};
	}
};

const poll = {
	add(fn, interval) {
		record.polls.push(interval);
		polls.push(fn);
	}
};

const L = {
	resolveDefault(p, d) {
		return Promise.resolve(p).then((x) => x, () => d);
	},
	naturalCompare(a, b) {
		return String(a).localeCompare(String(b), undefined, { numeric: true });
	}
};

// form: classes are named constructors; options record what the view sets on them.
function klass(name) {
	const C = function() {};
	C.className = name;
	C.prototype.load = function(section_id) {
		return this.map.data.get(this.map.config, section_id, this.option);
	};
	C.prototype.cfgvalue = function(section_id) {
		return this.map.data.get(this.map.config, section_id, this.option);
	};
	return C;
}

const form = {};
['AbstractValue', 'Value', 'Flag', 'ListValue', 'DynamicList', 'DummyValue', 'MultiValue', 'RichListValue', 'TextValue',
	'HiddenValue', 'Button', 'SectionValue', 'NamedSection', 'TypedSection', 'GridSection', 'TableSection'
].forEach((n) => { form[n] = klass(n); });

const widgets = {};
['NetworkSelect', 'DeviceSelect', 'ZoneSelect'].forEach((n) => { widgets[n] = klass('widgets.' + n); });

function makeOption(section, cls, name, title, description, tab) {
	const o = Object.create(cls.prototype);
	Object.assign(o, {
		option: name, title, description, tab, section, map: section.map,
		enabled: '1', disabled: '0'
	});
	const rec = { class: cls.className, name, tab: tab || null, depends: [], values: [] };
	o.depends = function(k, v) {
		rec.depends.push(typeof k === 'object' ? k : { [k]: v });
	};
	o.value = function(k, label) {
		rec.values.push(k);
	};
	o._rec = rec;
	section._options.push(o);
	section._rec.options.push(rec);
	return o;
}

form.Map = function(config, title, description) {
	this.config = config;
	this.title = title;
	const sections = fixtures.uci || {};
	this.data = {
		sections(conf, type) {
			return (sections[type] || []).map((s) => Object.assign({}, s));
		},
		get(conf, sid, opt) {
			for (const type of Object.keys(sections))
				for (const s of sections[type])
					if (s['.name'] === sid) return s[opt];
			return undefined;
		}
	};
	this._sections = [];
};

form.Map.prototype.section = function(cls, ...args) {
	const map = this;
	const rec = { class: cls.className, args, options: [] };
	record.sections.push(rec);
	const s = {
		map, _rec: rec, _options: [], _tabs: [],
		get children() { return this._options; },
		// As form.js: a tab is declared once, before options use it.
		tab(name) {
			if (this._tabs.includes(name)) throw new Error('Tab already declared: ' + name);
			this._tabs.push(name);
		},
		option(ocls, name, title, description) {
			return makeOption(s, ocls, name, title, description, null);
		},
		taboption(tab, ocls, name, title, description) {
			if (!this._tabs.includes(tab)) throw new Error('Associated tab not declared: ' + tab);
			return makeOption(s, ocls, name, title, description, tab);
		},
		formvalue() { return undefined; }
	};
	this._sections.push(s);
	return s;
};

form.Map.prototype.render = function() {
	const root = E('div', { 'class': 'cbi-map' }, [E('h2', {}, this.title)]);
	// Table cells: every option's textvalue for every fixture section of the section's type.
	for (const s of this._sections) {
		const type = s._rec.class === 'NamedSection' ? s._rec.args[1] : s._rec.args[0];
		const ids = s._rec.class === 'NamedSection' ? [s._rec.args[0]] : this.data.sections(this.config, type).map((x) => x['.name']);
		for (const o of s._options) {
			o._rec.password = !!o.password;
			o._rec.modalonly = !!o.modalonly;
			o._rec.datatype = o.datatype || null;
			o._rec.hasValidate = typeof o.validate === 'function';
			o._rec.default = o.default === undefined ? null : String(o.default);
			ids.forEach((id) => o.load(id));
			if (typeof o.textvalue === 'function') {
				for (const id of ids) {
					const cell = E('div', { 'data-cell': o.option + '/' + id }, o.textvalue(id));
					root.children.push(cell);
					record.cells[o.option + '/' + id] = cell;
				}
			}
			if (typeof o.validate === 'function') {
				o._rec.validates = {};
				for (const v of ['10m', '90', 'ten minutes', '', '15m', '10 minutes', '5s', '30m'])
					o._rec.validates[v] = o.validate(ids[0], v) === true;
			}
		}
	}
	return Promise.resolve(root);
};

// uci: the fixture's sections by type, for the views that read names from config.
const uci = {
	load() { return Promise.resolve(); },
	unload() {},
	sections(conf, type) { return ((fixtures.uci || {})[type] || []).map((x) => Object.assign({}, x)); },
	get(conf, sid, opt) {
		for (const type of Object.keys(fixtures.uci || {}))
			for (const x of fixtures.uci[type])
				if (x['.name'] === sid) return opt == null ? x : x[opt];
		return null;
	}
};
const view = { extend: (o) => o };
const _ = (s) => s;

// LuCI instantiates a module that returns a class (baseclass.extend).
const baseclass = {
	extend(proto) {
		const C = function() {};
		Object.assign(C.prototype, proto);
		return C;
	}
};
record.notifications = [];
const ui = {
	addNotification(title, body, cls) {
		record.notifications.push({ title, text: text(body), cls });
	},
	changes: { apply() { record.applied = true; } }
};

function loadModule(name) {
	const path = require('path').join(__dirname, '..', '..', 'openwrt-package', 'luci-app-homeport', 'htdocs',
		'luci-static', 'resources', 'homeport', name + '.js');
	const f = new Function('baseclass', 'form', 'rpc', 'ui', 'dom', 'L', 'E', '_', fs.readFileSync(path, 'utf8'));
	const rv = f(baseclass, form, rpc, ui, dom, L, E, _);
	return typeof rv === 'function' ? new rv() : rv;
}

(async () => {
	const body = fs.readFileSync(viewPath, 'utf8');
	const names = [], mods = [];
	for (const m of body.matchAll(/^'require homeport\.(\w+) as (\w+)';$/gm)) {
		names.push(m[2]);
		mods.push(loadModule(m[1]));
	}
	const factory = new Function('view', 'form', 'rpc', 'poll', 'dom', 'uci', 'ui', 'widgets', 'L', 'E', '_', ...names, body);
	const v = factory(view, form, rpc, poll, dom, uci, ui, widgets, L, E, _, ...mods);
	// The views find their cells again through the document (the page as rendered).
	let page = null;
	globalThis.document = { querySelectorAll: (sel) => (page ? page.querySelectorAll(sel) : []) };
	const data = v.load ? await v.load() : undefined;
	page = await v.render(data);
	for (const fn of polls) await fn();
	// Save & Apply as LuCI's view would run it (its handleSave stands in for the maps' save).
	if (typeof v.handleSaveApply === 'function') {
		record.saveApply = { applied: false };
		record.applied = false;
		await v.handleSaveApply.call(Object.assign({ handleSave: () => Promise.resolve() }, v), null, '1');
		record.saveApply = { applied: record.applied, notifications: record.notifications };
	}
	record.text = text(page);
	record.cellText = {};
	for (const k of Object.keys(record.cells)) record.cellText[k] = text(record.cells[k]);
	delete record.cells;
	process.stdout.write(JSON.stringify(record, null, 1));
})().catch((e) => {
	process.stderr.write(String(e && e.stack || e) + '\n');
	process.exit(1);
});
