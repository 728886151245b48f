// SPDX-License-Identifier: GPL-2.0-only
//
// Loads one luci-app-homeport view into jsdom with the LuCI stand-in (standin/luci.js)
// and fixtures, and offers what the tests do with it: click, type, wait, look.
// HOMEPORT_LUCI_VIEWS points at another views directory (e.g. an older checkout, to see
// a test fail on it).

'use strict';

const fs = require('fs');
const path = require('path');
const { JSDOM, VirtualConsole } = require('jsdom');

const ROOT = path.resolve(__dirname, '..', '..');
const VIEWS = process.env.HOMEPORT_LUCI_VIEWS ||
	path.join(ROOT, 'openwrt-package', 'luci-app-homeport', 'htdocs', 'luci-static', 'resources', 'view', 'homeport');
const STANDIN = fs.readFileSync(path.join(__dirname, 'standin', 'luci.js'), 'utf8');
const VIEW_NAMES = ['status', 'ddns', 'forwards', 'settings'];

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
	w.__homeport = { fixtures: JSON.parse(JSON.stringify(fixtures)) };
	w.__pwned = 0;
	w.eval(STANDIN);
	const source = fs.readFileSync(path.join(VIEWS, view + '.js'), 'utf8');
	await w.__homeport.run(source, w.document.getElementById('view'));
	const page = new Page(w, errors);
	await page.settle();
	return page;
}

module.exports = { open, fixture, poisoned, VIEW_NAMES, ROOT, VIEWS };
