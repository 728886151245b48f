// SPDX-License-Identifier: GPL-2.0-only
//
// Loads one luci-app-homeport view into jsdom with the LuCI stand-in (standin/luci.js)
// and fixtures, and offers what the tests do with it: click, type, wait, look.
// HOMEPORT_LUCI_VIEWS points at another views directory (e.g. an older checkout, to see
// a test fail on it); the app's modules are read from its sibling `../../homeport/`.
//
// homeport.schema answers with src/config/schema.json (kept equal to `homeport schema
// --json` by tests/cli_schema.rs) unless the fixture has its own; homeport.check answers
// with what the real `homeport check --json` (HOMEPORT_BIN, default target/debug/homeport)
// says about the stand-in's staged configuration, unless the fixture has its own answer.

'use strict';

const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const { JSDOM, VirtualConsole } = require('jsdom');

const ROOT = path.resolve(__dirname, '..', '..');
const VIEWS = process.env.HOMEPORT_LUCI_VIEWS ||
	path.join(ROOT, 'openwrt-package', 'luci-app-homeport', 'htdocs', 'luci-static', 'resources', 'view', 'homeport');
const STANDIN = fs.readFileSync(path.join(__dirname, 'standin', 'luci.js'), 'utf8');
const VIEW_NAMES = ['status', 'ddns', 'forwards', 'settings', 'doctor'];
const MODULES = path.join(VIEWS, '..', '..', 'homeport');
const SCHEMA = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'config', 'schema.json'), 'utf8'));
const BIN = process.env.HOMEPORT_BIN || path.join(ROOT, 'target', 'debug', 'homeport');

// The app's own modules by LuCI name (homeport.schema ...), as file text.
function moduleSources() {
	const out = {};
	for (const f of fs.readdirSync(MODULES).filter((f) => f.endsWith('.js')))
		out['homeport.' + f.slice(0, -3)] = fs.readFileSync(path.join(MODULES, f), 'utf8');
	return out;
}

// `homeport check --json` on a UCI text, as the rpcd plugin runs it on the staged config
// (no network/dhcp/firewall files here: their checks are skipped).
function stagedCheck(uciText) {
	if (!fs.existsSync(BIN))
		throw new Error(`${BIN} missing (cargo build): the staged check needs the real binary`);
	const dir = fs.mkdtempSync(path.join(require('os').tmpdir(), 'homeport-luci-'));
	try {
		const file = path.join(dir, 'homeport'), none = path.join(dir, 'none');
		fs.writeFileSync(file, uciText);
		const r = spawnSync(BIN, ['check', '--json', '-c', file, '--network', none, '--dhcp', none, '--firewall', none], { encoding: 'utf8' });
		return JSON.parse(r.stdout);
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

// What the views expect of `homeport schema --json` beyond what this checkout's daemon may
// say yet (issue 14: `ip_source 'device'` with `ip_device` in ddns; issue 15: `probe_url`
// in main): added where missing, never replacing an entry the daemon has.
const EXPECTED = {
	homeport: [{ name: 'probe_url', type: 'url' }],
	ddns: [{ name: 'ip_device', type: 'text', max: 63 }],
	choices: { 'ddns.ip_source': [{ value: 'device', label: 'A LAN device (AAAA record)' }] }
};

function withExpected(schema) {
	const out = JSON.parse(JSON.stringify(schema));
	for (const sec of out.sections) {
		for (const o of EXPECTED[sec.type] || [])
			if (!sec.options.some((x) => x.name === o.name)) sec.options.push(o);
		for (const o of sec.options)
			for (const c of EXPECTED.choices[`${sec.type}.${o.name}`] || [])
				if (!o.choices.some((x) => x.value === c.value)) o.choices.push(c);
	}
	return out;
}

// The fixture as the stand-in gets it: the daemon's schema added when it has none.
function withSchema(fx) {
	const out = JSON.parse(JSON.stringify(fx));
	out.rpc = out.rpc || {};
	if (!('homeport.schema' in out.rpc))
		out.rpc['homeport.schema'] = withExpected(SCHEMA);
	return out;
}

// The fixture with what issues 11, 14 and 15 add: forwards to a device by MAC and by DHCP
// name, a DDNS entry whose AAAA record follows a device (FreeDNS, a token per family), a
// custom one with a success text, `probe_url`, a third LAN device, the probe's finding.
function withDevices(fx) {
	fx.uci.homeport.push({ '.name': 'nas', '.type': 'forward', '.anonymous': false, name: 'NAS', src_dport: '8443', dest_mac: 'aa:bb:cc:dd:ee:01', dest_port: '443' });
	fx.uci.homeport.push({ '.name': 'cam', '.type': 'forward', '.anonymous': false, name: 'Camera', src_dport: '8554', dest_host: 'camera' });
	fx.uci.homeport.push({ '.name': 'v6nas', '.type': 'ddns', '.anonymous': false, service: 'freedns', family: 'both', domain: ['nas.mooo.com'],
		password: 'tok4', password_ipv6: 'tok6', ip_source: 'device', ip_device: 'nas' });
	fx.uci.homeport.push({ '.name': 'own', '.type': 'ddns', '.anonymous': false, service: 'custom', domain: ['own.example.net'],
		update_url: 'https://dyn.example.net/u?h=[DOMAIN]', answer: 'good' });
	fx.uci.homeport[0].probe_url = 'https://probe.example.net/check';
	fx.rpc['luci-rpc.getHostHints']['aa:bb:cc:dd:ee:03'] = { name: 'camera', ipaddrs: ['192.168.1.50'] };
	fx.rpc['homeport.doctor'].findings.push({ level: 'problem', subject: "forward 'NAS'",
		text: 'from outside, port 8443 did not answer (probe.example.net connected to 203.0.113.77:8443 and got no reply)' });
	return fx;
}

// The fixture with choices saved in other spellings the daemon takes (the schema's
// `aliases`, other case, firewall4's proto list): ddns-scripts' service names, family
// 'any' and 'all', ip_source 'network', proto 'TCP', 'tcp+udp', 'udp tcp' and a list,
// log_level 'warn'.
function withAliases(fx) {
	fx.uci.homeport[0].log_level = 'warn';
	fx.uci.homeport.push(
		{ '.name': 'fa', '.type': 'ddns', '.anonymous': false, service: 'afraid.org-v2-token', family: 'any', ip_source: 'network',
			domain: ['fa.mooo.com'], password: 'tok4', password_ipv6: 'tok6' },
		{ '.name': 'ni', '.type': 'ddns', '.anonymous': false, service: 'No-IP.com', domain: ['me.ddns.net'], username: 'me', password: 'pw' },
		{ '.name': 'ns', '.type': 'ddns', '.anonymous': false, service: 'NSUPDATE', domain: ['h.example.org'], server: 'ns1.example.org',
			zone: 'example.org', key_name: 'k', key_algorithm: 'HMAC-SHA512', key_secret: 'c2VjcmV0a2V5' },
		{ '.name': 'all', '.type': 'forward', '.anonymous': false, src_dport: '2222', dest_ip: '192.168.1.40', family: 'all', proto: 'tcp+udp' },
		{ '.name': 'tcpcase', '.type': 'forward', '.anonymous': false, src_dport: '2223', dest_ip: '192.168.1.41', proto: 'TCP' },
		{ '.name': 'words', '.type': 'forward', '.anonymous': false, src_dport: '2224', dest_ip: '192.168.1.42', proto: 'udp tcp' },
		{ '.name': 'list', '.type': 'forward', '.anonymous': false, src_dport: '2225', dest_ip: '192.168.1.43', proto: ['tcp', 'udp'] });
	return fx;
}

function fixture(name) {
	return JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name + '.json'), 'utf8'));
}

// The same fixture with every string value (not keys, not UCI section names and types,
// which UCI restricts to [A-Za-z0-9_]) replaced by `payload`.
function poisoned(fx, payload) {
	const walk = (v, key) => {
		if (typeof v === 'string') return (key === '.name' || key === '.type') ? v : payload;
		if (Array.isArray(v)) return v.map((x) => walk(x, null));
		if (v && typeof v === 'object') {
			const out = {};
			for (const k of Object.keys(v)) out[k] = walk(v[k], k);
			return out;
		}
		return v;
	};
	return walk(fx, null);
}

class Page {
	constructor(window, errors) {
		this.window = window;
		this.document = window.document;
		this.H = window.__homeport;
		this.errors = errors;
	}

	async settle(rounds = 5) {
		for (let i = 0; i < rounds; i++) await new Promise((r) => this.window.setTimeout(r, 5));
	}

	$(sel, root) { return (root || this.document).querySelector(sel); }

	$$(sel, root) { return Array.from((root || this.document).querySelectorAll(sel)); }

	text(el) { return (el || this.document.body).textContent.replace(/\s+/g, ' ').trim(); }

	async click(el) {
		if (!el) throw new Error('click: no element');
		el.dispatchEvent(new this.window.MouseEvent('click', { bubbles: true, cancelable: true }));
		await this.settle();
	}

	async type(el, value) {
		if (!el) throw new Error('type: no element');
		el.value = value;
		el.dispatchEvent(new this.window.Event('input', { bubbles: true }));
		el.dispatchEvent(new this.window.Event('change', { bubbles: true }));
		await this.settle();
	}

	modal() { return this.$('#modal_overlay .modal'); }

	// The modal's field row of an option (form.js: div.cbi-value[data-name]).
	field(name) { return this.$(`.cbi-value[data-name="${name}"]`, this.modal()); }

	visibleFields() {
		return this.$$('.cbi-value', this.modal()).filter((f) => !f.classList.contains('hidden'));
	}

	button(label, root) {
		return this.$$('button', root).filter((b) => b.textContent.trim() === label)[0];
	}

	// Every element the page holds that no homeport view creates, or that carries an
	// inline event handler: what injected markup would leave behind.
	foreignElements() {
		const bad = [];
		for (const el of this.$$('*')) {
			const tag = el.tagName.toLowerCase();
			if (['img', 'script', 'svg', 'iframe', 'object', 'embed', 'video', 'audio', 'image', 'math', 'style', 'link', 'meta'].includes(tag) &&
				!el.hasAttribute('data-page-own'))
				bad.push(el.outerHTML.slice(0, 120));
			for (const a of Array.from(el.attributes))
				if (/^on/i.test(a.name)) bad.push(`${tag}[${a.name}]`);
		}
		return bad;
	}
}

async function open(view, fixtures) {
	const errors = [];
	const virtualConsole = new VirtualConsole();
	virtualConsole.on('jsdomError', (e) => errors.push(String(e && e.stack || e)));
	const dom = new JSDOM('<!DOCTYPE html><html><body><div id="maincontent"><div id="view"></div></div></body></html>',
		{ runScripts: 'dangerously', pretendToBeVisual: true, virtualConsole });
	const w = dom.window;
	// Every browser LuCI supports has TextEncoder; jsdom does not (homeport/schema.js
	// counts UTF-8 bytes with it).
	w.TextEncoder = TextEncoder;
	w.__homeport = { fixtures: withSchema(fixtures), sources: moduleSources(), stagedCheck: stagedCheck };
	w.__pwned = 0;
	w.eval(STANDIN);
	const source = fs.readFileSync(path.join(VIEWS, view + '.js'), 'utf8');
	await w.__homeport.run(source, w.document.getElementById('view'));
	const page = new Page(w, errors);
	await page.settle();
	return page;
}

module.exports = { open, fixture, poisoned, withDevices, withAliases, withSchema, moduleSources, stagedCheck, VIEW_NAMES, ROOT, VIEWS, MODULES };
