// SPDX-License-Identifier: GPL-2.0-only
//
// The LuCI views in jsdom, on the LuCI stand-in (standin/luci.js), against fixtures:
// issue 12 items 1-3, 6-10, 12 and 13, and the dialog fields of issues 11, 14 and 15.
// Run: node --test tests/luci/views.test.js
// (tests/pkg/run.sh installs jsdom from package-lock.json first).

'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const { open, fixture, poisoned, withDevices, withAliases, VIEW_NAMES, ROOT } = require('./lib.js');

const PAYLOAD = '<img src=x onerror="window.__pwned++">';

// Opens the edit dialog of every row (and the "add" dialog) so that every widget the
// view builds from config values is in the DOM too.
async function openEveryDialog(page) {
	const dialogs = [];
	for (const b of page.$$('.cbi-button-edit')) {
		await page.click(b);
		dialogs.push(page.text(page.modal()));
		await page.click(page.button('Dismiss', page.modal()));
	}
	return dialogs;
}

// The element names a page holds.
const tagsOf = (page) => new Set(page.$$('*').map((el) => el.tagName.toLowerCase()));

test('1: every string from status and config is text, never markup', async () => {
	const fx = poisoned(fixture('base'), PAYLOAD);
	for (const view of VIEW_NAMES) {
		const plain = await open(view, fixture('base'));
		await plain.H.pollOnce();
		await openEveryDialog(plain);
		const own = tagsOf(plain);
		const page = await open(view, fx);
		await page.H.pollOnce();
		await page.settle();
		await openEveryDialog(page);
		assert.deepStrictEqual(page.foreignElements(), [], `${view}: elements created from data`);
		assert.deepStrictEqual([...tagsOf(page)].filter((t) => !own.has(t)), [], `${view}: element kinds the view does not make`);
		assert.strictEqual(page.window.__pwned, 0, `${view}: an injected handler ran`);
		assert.deepStrictEqual(page.errors, [], `${view}: page errors`);
		if (view !== 'settings')
			assert.ok(page.text().includes(PAYLOAD), `${view}: the payload is shown as text`);
	}
	// The daemon's own "no status" reason, too.
	const page = await open('status', { rpc: { 'homeport.status': { error: PAYLOAD } }, uci: { homeport: [] } });
	assert.deepStrictEqual(page.foreignElements(), []);
	assert.ok(page.text().includes(PAYLOAD));
});

test('2: a new forward writes only what the user entered; family shows the IPv4-only default', async () => {
	const page = await open('forwards', fixture('base'));
	await page.click(page.button('Add forward'));
	const family = page.$('select', page.field('family'));
	const shown = family.options[family.selectedIndex].textContent;
	assert.match(shown, /IPv4 only/, `family shows ${shown}`);
	assert.ok(!/IPv6/.test(shown), `the default offered is not IPv6: ${shown}`);
	assert.ok(page.$('input[type=checkbox]', page.field('reflection')).checked, 'reflection shows its default, on');
	await page.type(page.$('input', page.field('src_dport')), '8080');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed');
	const sets = Array.from(page.H.uci.changes.filter((c) => c[0] === 'set').map((c) => `${c[3]}=${c[4]}`));
	assert.deepStrictEqual(sets, ['src_dport=8080'], 'options written on a new forward');

	// An existing forward, saved untouched: nothing changes.
	for (const sid of ['cfg0a1b2c', 'game']) {
		page.H.uci.changes.length = 0;
		await page.click(page.$(`.cbi-button-edit[data-sid="${sid}"]`));
		await page.click(page.button('Save', page.modal()));
		assert.strictEqual(JSON.stringify(page.H.uci.changes), '[]', `untouched Save of ${sid} wrote something`);
	}
	page.H.uci.changes.length = 0;
	await page.H.save();
	assert.strictEqual(JSON.stringify(page.H.uci.changes), '[]', 'page Save & Apply with nothing changed wrote something');
});

test('3: the ACL grants exactly what the views read and call, and writes only homeport', async () => {
	const acl = JSON.parse(fs.readFileSync(path.join(ROOT, 'openwrt-package', 'luci-app-homeport', 'root', 'usr', 'share',
		'rpcd', 'acl.d', 'luci-app-homeport.json'), 'utf8'))['luci-app-homeport'];
	const ubus = new Set(), read = new Set(), write = new Set();
	for (const view of VIEW_NAMES) {
		const page = await open(view, fixture('base'));
		await page.H.pollOnce();
		await openEveryDialog(page);
		// Save & Apply too: what the views call only then is granted as well.
		await page.H.saveApply();
		page.H.access.ubus.forEach((x) => ubus.add(x));
		page.H.access.uciRead.forEach((x) => read.add(x));
		page.H.access.uciWrite.forEach((x) => write.add(x));
	}
	const granted = [];
	for (const [obj, methods] of Object.entries(acl.read.ubus)) methods.forEach((m) => granted.push(`${obj}.${m}`));
	assert.deepStrictEqual([...ubus].sort(), granted.sort(), 'ubus calls = ubus grants');
	assert.deepStrictEqual([...read].sort(), [...acl.read.uci].sort(), 'uci configs read = uci read grants');
	assert.deepStrictEqual([...write].sort(), ['homeport'], 'uci configs written');
	assert.deepStrictEqual(acl.write, { uci: ['homeport'] }, 'nothing else is writable');
});

test('6: a DDNS entry without names says so beside the field', async () => {
	const page = await open('ddns', fixture('base'));
	const name = page.$('.cbi-section-create-name');
	await page.type(name, 'newhost');
	await page.click(page.button('Add host'));
	assert.ok(page.modal().textContent.length > 0, 'dialog open');
	await page.click(page.button('Save', page.modal()));
	const field = page.field('domain');
	assert.ok(page.modal().textContent.length > 0, 'dialog stays open');
	assert.match(page.text(field), /enter at least one name/i, 'the Names field says it is required');
	assert.match(page.text(field), /required/i, 'the field is marked required');
	// Filling it in lets the dialog save.
	await page.type(page.$('.add-item input', field), 'new.example.org');
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed after the name was given');
	assert.strictEqual(JSON.stringify(page.H.uci.get('homeport', 'newhost', 'domain')), '["new.example.org"]');
});

test('7: problems beside their forward and host, by name, errors red, skipped says why', async () => {
	const status = await open('status', fixture('base'));
	const boxes = status.$$('.alert-message').map((b) => status.text(b));
	assert.ok(!boxes.some((b) => /@forward\[/.test(b)), `section problems are not page-wide boxes: ${boxes}`);
	const row = status.$$('tr').filter((tr) => /Game server/.test(tr.textContent))[0];
	assert.ok(row, 'the skipped forward is listed by its name');
	assert.match(status.text(row), /skipped: option 'dest_port': '70000' is not a port/i);
	assert.ok(status.$('.homeport-error', row), 'its error is red');
	const rdp = status.$$('tr').filter((tr) => /Remote desktop/.test(tr.textContent))[0];
	assert.ok(status.$$('.homeport-warning', rdp).some((w) => /'src' is not used/.test(w.textContent)), 'a warning is yellow, in its row');

	const fwd = await open('forwards', fixture('base'));
	const cell = fwd.$('[data-homeport-forward="web"]');
	assert.match(fwd.text(cell), /skipped: option 'dest_port': '70000' is not a port/i);
	assert.ok(!/not applied yet/.test(fwd.text(cell)));
	assert.ok(fwd.$('.homeport-error', cell), 'red');

	// A DDNS section the daemon skipped: beside it, named by its names.
	const fx = fixture('base');
	fx.uci.homeport.push({ '.name': 'shop', '.type': 'ddns', '.anonymous': false, service: 'dyndns2', domain: ['shop.example.net'] });
	fx.rpc['homeport.status'].warnings.push({ code: 'config', message: "error: section @ddns[4] ('shop'): option 'server' is required for dyndns2" });
	const st2 = await open('status', fx);
	const shop = st2.$$('tr').filter((tr) => /shop\.example\.net/.test(tr.textContent))[0];
	assert.ok(shop, 'the skipped host is listed by its name');
	assert.match(st2.text(shop), /skipped: option 'server' is required for dyndns2/i);
	assert.ok(!st2.$$('.alert-message').some((b) => /@ddns\[/.test(b.textContent)), 'not a page-wide box');
	const ddns = await open('ddns', fx);
	const state = ddns.$('tr[data-sid="shop"] td[data-name="_state"]');
	assert.match(ddns.text(state), /skipped: option 'server' is required/i);
	assert.ok(ddns.$('.homeport-error', state), 'red');
});

test('8: the password label and fields follow the provider as it changes', async () => {
	const page = await open('ddns', fixture('base'));
	await page.type(page.$('.cbi-section-create-name'), 'fresh');
	await page.click(page.button('Add host'));
	const service = page.$('select', page.field('service'));
	const labels = (svc) => {
		service.value = svc;
		service.dispatchEvent(new page.window.Event('change', { bubbles: true }));
		return page.visibleFields().map((f) => page.text(page.$('.cbi-value-title', f)));
	};
	const duck = labels('duckdns');
	assert.ok(duck.includes('Token') && !duck.includes('Password') && !duck.includes('Username'), `duckdns: ${duck}`);
	const cf = labels('cloudflare');
	assert.ok(cf.includes('API token') && !cf.includes('Token') && !cf.includes('Password'), `cloudflare: ${cf}`);
	const noip = labels('noip');
	assert.ok(noip.includes('Password') && noip.includes('Username') && !noip.includes('API token'), `noip: ${noip}`);
	const rfc = labels('rfc2136');
	assert.ok(rfc.includes('TSIG key (base64)') && !rfc.some((l) => /Password|Token/.test(l)), `rfc2136: ${rfc}`);

	// A token typed under "Token" is saved as the one UCI option `password`.
	labels('duckdns');
	const token = page.visibleFields().filter((f) => page.text(page.$('.cbi-value-title', f)) === 'Token')[0];
	await page.type(page.$('input', token), 'tok123');
	await page.type(page.$('.add-item input', page.field('domain')), 'fresh.duckdns.org');
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.H.uci.get('homeport', 'fresh', 'password'), 'tok123');
	assert.strictEqual(page.H.uci.get('homeport', 'fresh', 'service'), 'duckdns');
});

test('9: grids show the dialog labels, and what an empty field means', async () => {
	const ddns = await open('ddns', fixture('base'));
	const cells = (page, name) => page.$$(`td[data-name="${name}"]`).map((td) => page.text(td));
	assert.deepStrictEqual(cells(ddns, 'service'), ['No-IP', 'Duck DNS', 'Cloudflare (API token)']);
	assert.deepStrictEqual(cells(ddns, 'family'), ['IPv4 and IPv6 (A and AAAA)', 'IPv4 (A record)', 'IPv4 (A record)']);
	const fwd = await open('forwards', fixture('base'));
	assert.deepStrictEqual(cells(fwd, 'proto'), ['TCP', 'UDP', 'TCP']);
	assert.deepStrictEqual(cells(fwd, 'dest_port'), ['same as external', 'same as external', '70000']);
	assert.deepStrictEqual(cells(fwd, 'dest_ip'), ['192.168.1.20', '192.168.1.30', 'this router']);
	assert.ok(!fwd.text(fwd.$('table')).includes('none'), 'no "none" in the grid');
});

test('10: lint findings are plain sentences, one per line, not badges', async () => {
	const fwd = await open('forwards', fixture('base'));
	const cell = fwd.$('[data-homeport-forward="cfg0a1b2c"]');
	const lines = fwd.$$('.homeport-problem', cell).map((l) => fwd.text(l));
	assert.strictEqual(lines.length, 3, `lines: ${lines}`);
	assert.ok(lines.every((l) => /^[A-Z]/.test(l) && /\.$/.test(l)), `sentences: ${lines}`);
	assert.strictEqual(fwd.$$('.label', cell).length, 0, 'no badges');
	const status = await open('status', fixture('base'));
	const row = status.$$('tr').filter((tr) => /Remote desktop/.test(tr.textContent))[0];
	assert.strictEqual(status.$$('.homeport-problem', row).length, 3, 'status: one line per finding');
});

test('12: the "Add host" box is labelled; a row says which family is up to date', async () => {
	const ddns = await open('ddns', fixture('base'));
	const box = ddns.$('.cbi-section-create-name');
	assert.ok(box.getAttribute('placeholder'), 'placeholder');
	const label = ddns.$(`label[for="${box.id}"]`);
	assert.ok(box.id && label && /name/i.test(label.textContent), 'a label names the box');
	const state = ddns.$$('td[data-name="_state"]')[0];
	assert.match(ddns.text(state), /IPv4 up to date/);
	assert.match(ddns.text(state), /no usable global IPv6 address/i);
	const status = await open('status', fixture('base'));
	const row = status.$$('tr').filter((tr) => /home\.example\.org/.test(tr.textContent))[0];
	assert.match(status.text(row), /IPv4 up to date/);
});

test('13: a stopped daemon: "homeport is not running" and nothing active', async () => {
	const fx = fixture('base');
	fx.rpc['homeport.status'].running = false;
	fx.rpc['homeport.status'].forwards.forEach((f) => { f.active = false; f.reason = 'homeport is not running'; });
	const status = await open('status', fx);
	assert.match(status.text(), /homeport is not running/);
	assert.ok(!status.$$('td').some((td) => status.text(td) === 'active'), 'no forward shows active');
	assert.ok(status.$('.alert-message.error'), 'said prominently');
	const fwd = await open('forwards', fx);
	for (const cell of fwd.$$('[data-homeport-forward]'))
		assert.strictEqual(fwd.text(cell), 'homeport is not running');
	const ddns = await open('ddns', fx);
	for (const cell of ddns.$$('td[data-name="_state"]'))
		assert.match(ddns.text(cell), /^homeport is not running/);
});

// Issue 12 items 4 and 5 with the views above: the staged check (the real `homeport check
// --json` on what the stand-in's uci session holds) feeds the same cells as the status.

// The problem lines of every row: no row says the same sentence twice.
function assertNoRepeats(page) {
	for (const cell of page.$$('[data-homeport-forward], [data-homeport-ddns]')) {
		const lines = page.$$('.homeport-problem', cell).map((l) => page.text(l));
		assert.deepStrictEqual(lines, [...new Set(lines)], `a sentence twice in ${cell.outerHTML.slice(0, 80)}`);
	}
}

test('5: a dialog\'s Save checks the staged config; its problems join the row; Save & Apply refused on errors', async () => {
	const page = await open('forwards', fixture('base'));
	assertNoRepeats(page);
	// The skipped forward: its reason once, not again as the check's line.
	const web = page.$('[data-homeport-forward="web"]');
	assert.strictEqual(page.$$('.homeport-problem', web).length, 1, page.text(web));
	await page.click(page.button('Add forward'));
	await page.type(page.$('input', page.field('name')), 'Shell');
	const proto = page.$('select', page.field('proto'));
	proto.value = 'tcp';
	proto.dispatchEvent(new page.window.Event('change', { bubbles: true }));
	await page.type(page.$('input', page.field('src_dport')), '22');
	await page.type(page.$('input', page.field('dest_ip')), '192.168.1.40');
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed');
	const sid = page.H.uci.sections('homeport', 'forward').filter((s) => s.name === 'Shell')[0]['.name'];
	const cell = page.$(`[data-homeport-forward="${sid}"]`);
	assert.match(page.text(cell), /not applied yet/, 'the daemon has not seen it');
	assert.ok(page.$$('.homeport-warning', cell).some((l) => /SSH/.test(l.textContent)),
		`the staged check's lint beside the new forward before applying: ${page.text(cell)}`);
	assertNoRepeats(page);

	// The page's Save & Apply: the staged configuration has errors, nothing is applied.
	await page.H.saveApply();
	await page.settle();
	assert.strictEqual(page.H.applied, undefined, 'applied despite errors');
	const note = page.$('.alert-message.danger');
	assert.ok(note, 'no notification');
	assert.match(page.text(note), /Game server: option 'dest_port': '70000' is not a port/, 'named by the forward\'s name');

	// Deleting the bad forward checks again: its error leaves the reasons.
	page.$$('.alert-message.danger').forEach((n) => n.remove());
	await page.click(page.$('tr[data-sid="web"] .cbi-button-remove'));
	await page.H.saveApply();
	await page.settle();
	assert.strictEqual(page.H.applied, undefined, 'applied despite the DDNS errors');
	assert.ok(!/70000/.test(page.text(page.$('.alert-message.danger'))), 'the deleted forward is still a reason');

	const clean = await open('forwards', fixture('clean'));
	await clean.click(clean.button('Add forward'));
	await clean.type(clean.$('input', clean.field('src_dport')), '8443');
	await clean.type(clean.$('input', clean.field('dest_ip')), '192.168.1.20');
	await clean.click(clean.button('Save', clean.modal()));
	await clean.H.saveApply();
	await clean.settle();
	assert.strictEqual(clean.H.applied, 1, 'a clean staged configuration is applied');
	assert.strictEqual(clean.$('.alert-message.danger'), null);
});

test('5: an error the check found is beside its field when the dialog opens, until the value changes', async () => {
	// Duck DNS without its token: the schema's rules accept an empty password (what a
	// service requires is left to the check), the staged check does not.
	const page = await open('ddns', fixture('base'));
	await page.click(page.$('.cbi-button-edit[data-sid="other"]'));
	const input = page.$('input', page.field('password'));
	await page.click(page.button('Save', page.modal()));
	assert.ok(input.classList.contains('cbi-input-invalid'), 'the empty token is not marked');
	// LuCI shows the message as markup (a tooltip): the daemon's text arrives escaped.
	assert.strictEqual(input.getAttribute('title'), 'is required for service &#39;duckdns&#39;: the API token');
	assert.ok(page.modal().textContent.length > 0, 'saved despite the error');
	await page.type(input, 'a1b2c3d4');
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'a corrected value still refused');
	const cell = page.$('[data-homeport-ddns="other"]');
	assert.ok(!/password/.test(page.text(cell)), `the staged error stays after the fix: ${page.text(cell)}`);
});

test('1+5: the staged check\'s lines and the refusal carry config values as text', async () => {
	for (const view of ['ddns', 'forwards', 'settings']) {
		const page = await open(view, poisoned(fixture('base'), PAYLOAD));
		const lines = page.$$('.homeport-problem').map((l) => l.textContent);
		if (view !== 'settings')
			assert.ok(lines.some((l) => l.includes(PAYLOAD)), `${view}: no staged line names the poisoned value: ${lines.slice(0, 3)}`);
		// Settings parses every field on Save: the poisoned values are refused there first.
		const saved = await page.H.saveApply().then(() => true, () => false);
		await page.settle();
		const note = page.$('.alert-message.danger');
		if (saved)
			assert.ok(note && note.textContent.includes(PAYLOAD), `${view}: the refusal does not name the value as text`);
		assert.deepStrictEqual(page.foreignElements(), [], `${view}: elements created from data`);
		assert.strictEqual(page.window.__pwned, 0, `${view}: an injected handler ran`);
		assert.strictEqual(page.H.applied, undefined, `${view}: applied`);
	}
});

test('issue 14: a forward to a device shows the device, never "this router", as text', async () => {
	const fx = fixture('base');
	fx.uci.homeport.push({ '.name': 'nas', '.type': 'forward', '.anonymous': false, 'src_dport': '8443', 'dest_mac': 'aa:bb:cc:00:11:22' });
	fx.uci.homeport.push({ '.name': 'cam', '.type': 'forward', '.anonymous': false, 'src_dport': '8554', 'dest_host': PAYLOAD });
	const fwd = await open('forwards', fx);
	const cells = fwd.$$('td[data-name="dest_ip"]').map((td) => fwd.text(td));
	assert.deepStrictEqual(cells, ['192.168.1.20', '192.168.1.30', 'this router', 'device aa:bb:cc:00:11:22', 'device ' + PAYLOAD]);
	assert.strictEqual(fwd.window.__pwned, 0);
});

test('issue 14: the status page says where a forward\'s IPv6 pinholes are open, or why none, as text', async () => {
	const fx = fixture('base');
	const st = fx.rpc['homeport.status'];
	st.forwards[0].pinholes = ['2001:db8:1:0:a8bb:ccff:fe00:1122', PAYLOAD];
	st.forwards[1].pinholes_reason = PAYLOAD;
	const page = await open('status', fx);
	const text = page.text(page.document.body);
	assert.ok(text.includes('IPv6 pinholes open to 2001:db8:1:0:a8bb:ccff:fe00:1122, ' + PAYLOAD), text);
	assert.ok(text.includes('no IPv6 pinhole: ' + PAYLOAD), text);
	assert.strictEqual(page.window.__pwned, 0);
});

// Issues 11, 14 and 15 in the dialogs: the new options appear only where they apply, the
// right option is written and the others cleared.

async function choose(page, name, value) {
	const sel = page.$('select', page.field(name));
	assert.ok(sel, `no select for ${name}`);
	assert.ok(Array.from(sel.options).some((o) => o.value === value), `${name} does not offer ${value}`);
	sel.value = value;
	sel.dispatchEvent(new page.window.Event('change', { bubbles: true }));
	await page.settle();
}

const shown = (page, name) => page.field(name) && !page.field(name).classList.contains('hidden');
const choices = (page, name) => page.$$('datalist option', page.field(name)).map((o) => [o.value, o.textContent]);
// (Arrays of the page's realm, copied into this one for deepStrictEqual.)
const setsOf = (page) => Array.from(page.H.uci.changes).filter((c) => c[0] === 'set').map((c) => `${c[3]}=${JSON.stringify(c[4])}`);
const unsetsOf = (page) => Array.from(page.H.uci.changes).filter((c) => c[0] === 'unset').map((c) => c[3]);

test('issue 11: password_ipv6 only for FreeDNS with both families, a password field, cleared when it no longer applies', async () => {
	const page = await open('ddns', fixture('base'));
	await page.type(page.$('.cbi-section-create-name'), 'fd');
	await page.click(page.button('Add host'));
	await choose(page, 'service', 'freedns');
	assert.ok(!shown(page, 'password_ipv6'), 'shown for IPv4 only');
	await choose(page, 'family', 'ipv6');
	assert.ok(!shown(page, 'password_ipv6'), 'shown for IPv6 only');
	await choose(page, 'family', 'both');
	assert.ok(shown(page, 'password_ipv6'), 'not shown for FreeDNS with both');
	const input = page.$('input', page.field('password_ipv6'));
	assert.strictEqual(input.getAttribute('type'), 'password', 'not a password field');
	for (const svc of ['duckdns', 'noip', 'custom', 'dyndns2', 'cloudflare']) {
		await choose(page, 'service', svc);
		assert.ok(!shown(page, 'password_ipv6'), `shown for ${svc}`);
	}
	await choose(page, 'service', 'freedns');
	await page.type(page.$('input', page.field('password')), 'tokA4');
	await page.type(input, 'tokAAAA6');
	await page.type(page.$('.add-item input', page.field('domain')), 'fd.mooo.com');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed');
	assert.strictEqual(page.H.uci.get('homeport', 'fd', 'password_ipv6'), 'tokAAAA6');
	assert.strictEqual(page.H.uci.get('homeport', 'fd', 'password'), 'tokA4');
	assert.ok(!page.text().includes('tokAAAA6'), 'the token is shown on the page');

	// Back to IPv4 only: the AAAA token no longer applies and is removed.
	await page.click(page.$('.cbi-button-edit[data-sid="fd"]'));
	await choose(page, 'family', 'ipv4');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.H.uci.get('homeport', 'fd', 'password_ipv6'), null, 'kept after family ipv4');
	assert.deepStrictEqual(unsetsOf(page), ['password_ipv6']);

	// `family 'any'` (the schema's alias of both) keeps the AAAA token through a Save.
	const fx = fixture('base');
	fx.uci.homeport.push({ '.name': 'fa', '.type': 'ddns', '.anonymous': false, service: 'freedns', family: 'any',
		domain: ['fa.mooo.com'], password: 't4', password_ipv6: 't6' });
	const other = await open('ddns', fx);
	await other.click(other.$('.cbi-button-edit[data-sid="fa"]'));
	assert.ok(shown(other, 'password_ipv6'), 'not shown for family any');
	other.H.uci.changes.length = 0;
	await other.click(other.button('Save', other.modal()));
	assert.strictEqual(JSON.stringify(other.H.uci.changes), '[]', 'an untouched Save changed something');
});

test('issue 11: answer only for custom, zone for rfc2136, Namecheap, deSEC and Dynu', async () => {
	const page = await open('ddns', fixture('base'));
	await page.type(page.$('.cbi-section-create-name'), 'own');
	await page.click(page.button('Add host'));
	const where = { answer: ['custom'], zone: ['rfc2136', 'namecheap', 'desec', 'dynu'] };
	for (const svc of ['cloudflare', 'duckdns', 'desec', 'dynu', 'dyn', 'freedns', 'he', 'namecheap', 'noip', 'dyndns2', 'rfc2136', 'custom']) {
		await choose(page, 'service', svc);
		for (const [opt, svcs] of Object.entries(where))
			assert.strictEqual(shown(page, opt), svcs.includes(svc), `${opt} for ${svc}`);
	}
	await page.type(page.$('input', page.field('update_url')), 'https://dyn.example.net/u?h=[DOMAIN]&ip=[IP]&k=[PASSWORD]');
	await page.type(page.$('input', page.field('answer')), 'OK');
	await page.type(page.$('.add-item input', page.field('domain')), 'own.example.net');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed');
	assert.deepStrictEqual(setsOf(page).sort(), ['answer="OK"', 'domain=["own.example.net"]', 'service="custom"',
		'update_url="https://dyn.example.net/u?h=[DOMAIN]&ip=[IP]&k=[PASSWORD]"']);

	// A Namecheap entry: the registered domain as `zone`; the answer text is cleared.
	await page.click(page.$('.cbi-button-edit[data-sid="own"]'));
	await choose(page, 'service', 'namecheap');
	await page.type(page.$('input', page.field('zone')), 'example.co.uk');
	await page.type(page.$('input', page.field('password')), 'ncpass');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.H.uci.get('homeport', 'own', 'zone'), 'example.co.uk');
	assert.strictEqual(page.H.uci.get('homeport', 'own', 'answer'), null, 'answer kept for namecheap');
	assert.strictEqual(page.H.uci.get('homeport', 'own', 'update_url'), null, 'update_url kept for namecheap');
});

test('issue 14: ip_source device with an ip_device picker of LAN devices by name and MAC', async () => {
	const page = await open('ddns', fixture('base'));
	await page.click(page.$('.cbi-button-edit[data-sid="home"]'));
	assert.ok(!shown(page, 'ip_device'), 'ip_device shown for the WAN interface');
	await choose(page, 'ip_source', 'device');
	assert.ok(shown(page, 'ip_device'), 'no device field');
	assert.deepStrictEqual(choices(page, 'ip_device'), [['aa:bb:cc:dd:ee:01', 'desktop (aa:bb:cc:dd:ee:01)'],
		['aa:bb:cc:dd:ee:02', 'aa:bb:cc:dd:ee:02']], 'devices offered by name and MAC');
	assert.ok(!shown(page, '_device_family'), 'the family note with family both');
	await choose(page, 'family', 'ipv4');
	assert.ok(shown(page, '_device_family'), 'no note that a device gives only the AAAA record');
	assert.match(page.text(page.field('_device_family')), /only the AAAA record/);
	await choose(page, 'family', 'both');

	// Required while it applies.
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.ok(page.modal().textContent.length > 0, 'saved without a device');
	assert.match(page.text(page.field('ip_device')), /pick the device/i);
	await page.type(page.$('input', page.field('ip_device')), 'aa:bb:cc:dd:ee:01');
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed');
	assert.deepStrictEqual(setsOf(page).sort(), ['ip_device="aa:bb:cc:dd:ee:01"', 'ip_source="device"']);

	// Another source: the device is cleared.
	await page.click(page.$('.cbi-button-edit[data-sid="home"]'));
	assert.strictEqual(page.$('select', page.field('ip_source')).value, 'device', 'the saved source');
	assert.strictEqual(page.$('input', page.field('ip_device')).value, 'aa:bb:cc:dd:ee:01');
	await choose(page, 'ip_source', 'web');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.H.uci.get('homeport', 'home', 'ip_device'), null, 'ip_device kept for ip_source web');
	assert.deepStrictEqual(unsetsOf(page), ['ip_device']);
});

test('issue 14: the forward\'s target is an address or a device; the one chosen is written, the others cleared', async () => {
	const page = await open('forwards', withDevices(fixture('base')));
	const cells = page.$$('td[data-name="dest_ip"]').map((td) => page.text(td));
	assert.deepStrictEqual(cells.slice(3), ['device desktop (aa:bb:cc:dd:ee:01)', 'device camera (aa:bb:cc:dd:ee:03)'],
		'the grid shows the device by name and MAC');

	await page.click(page.button('Add forward'));
	assert.strictEqual(page.$('select', page.field('_target')).value, 'ip', 'a new forward targets an address');
	assert.ok(shown(page, 'dest_ip') && !shown(page, 'dest_mac') && !shown(page, 'dest_host'));
	await choose(page, '_target', 'mac');
	assert.ok(!shown(page, 'dest_ip') && shown(page, 'dest_mac') && !shown(page, 'dest_host'));
	assert.deepStrictEqual(choices(page, 'dest_mac'), [['aa:bb:cc:dd:ee:03', 'camera (aa:bb:cc:dd:ee:03)'],
		['aa:bb:cc:dd:ee:01', 'desktop (aa:bb:cc:dd:ee:01)'], ['aa:bb:cc:dd:ee:02', 'aa:bb:cc:dd:ee:02']]);
	await page.type(page.$('input', page.field('src_dport')), '2222');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.ok(page.modal().textContent.length > 0, 'saved without a device');
	assert.match(page.text(page.field('dest_mac')), /pick one/i, 'an empty device is not "this router"');
	await page.type(page.$('input', page.field('dest_mac')), 'aa:bb:cc:dd:ee:02');
	await choose(page, '_target', 'host');
	assert.deepStrictEqual(choices(page, 'dest_host'), [['camera', 'camera (aa:bb:cc:dd:ee:03)'], ['desktop', 'desktop (aa:bb:cc:dd:ee:01)']]);
	await choose(page, '_target', 'mac');
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(page.text(page.modal()), '', 'dialog closed');
	assert.deepStrictEqual(setsOf(page), ['src_dport="2222"', 'dest_mac="aa:bb:cc:dd:ee:02"'], 'options written on a new device forward');

	// An address forward becomes a device forward by name: dest_ip cleared.
	await page.click(page.$('.cbi-button-edit[data-sid="cfg0a1b2c"]'));
	assert.strictEqual(page.$('select', page.field('_target')).value, 'ip');
	await choose(page, '_target', 'host');
	await page.type(page.$('input', page.field('dest_host')), 'desktop');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.deepStrictEqual(setsOf(page), ['dest_host="desktop"']);
	assert.deepStrictEqual(unsetsOf(page), ['dest_ip']);
	assert.strictEqual(page.text(page.$('tr[data-sid="cfg0a1b2c"] td[data-name="dest_ip"]')), 'device desktop (aa:bb:cc:dd:ee:01)');

	// The device forward by MAC back to an address: dest_mac cleared.
	await page.click(page.$('.cbi-button-edit[data-sid="nas"]'));
	assert.strictEqual(page.$('select', page.field('_target')).value, 'mac', 'a dest_mac forward opens as a device by MAC');
	assert.strictEqual(page.$('input', page.field('dest_mac')).value, 'aa:bb:cc:dd:ee:01');
	await choose(page, '_target', 'ip');
	await page.type(page.$('input', page.field('dest_ip')), '192.168.1.60');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.deepStrictEqual(setsOf(page), ['dest_ip="192.168.1.60"']);
	assert.deepStrictEqual(unsetsOf(page), ['dest_mac']);

	// A device forward saved untouched: nothing changes.
	await page.click(page.$('.cbi-button-edit[data-sid="cam"]'));
	assert.strictEqual(page.$('select', page.field('_target')).value, 'host');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.strictEqual(JSON.stringify(page.H.uci.changes), '[]', 'untouched Save of a device forward wrote something');
});

test('issue 14: IPv6 to a device is never the default, and choosing it says what it opens', async () => {
	const page = await open('forwards', withDevices(fixture('base')));
	await page.click(page.$('.cbi-button-edit[data-sid="nas"]'));
	const family = page.$('select', page.field('family'));
	assert.match(family.options[family.selectedIndex].textContent, /IPv4 only/, 'a device forward shows IPv4 only');
	assert.ok(!shown(page, '_pinhole'), 'the warning shown for IPv4');
	for (const f of ['ipv6', 'any']) {
		await choose(page, 'family', f);
		assert.ok(shown(page, '_pinhole'), `no warning for ${f}`);
		assert.match(page.text(page.field('_pinhole')), /opens a pinhole.*from anywhere on the internet/);
	}
	await choose(page, '_target', 'ip');
	assert.ok(!shown(page, '_pinhole'), 'the pinhole warning for an address target');
	await choose(page, '_target', 'host');
	assert.ok(shown(page, '_pinhole'), 'no warning for a device by name');
	await choose(page, 'family', 'ipv4');
	assert.ok(!shown(page, '_pinhole'));
	await choose(page, 'family', 'any');
	await page.type(page.$('input', page.field('dest_host')), 'camera');
	page.H.uci.changes.length = 0;
	await page.click(page.button('Save', page.modal()));
	assert.deepStrictEqual(setsOf(page).sort(), ['dest_host="camera"', 'family="any"']);
	assert.deepStrictEqual(unsetsOf(page), ['dest_mac']);
});

test('issue 15: Settings offers probe_url and says the diagnosis then contacts it; the Diagnose page shows its finding', async () => {
	const page = await open('settings', fixture('base'));
	const field = page.$(`.cbi-value[data-name="probe_url"]`);
	assert.ok(field, 'no probe_url field');
	assert.match(page.text(field), /Setting it makes the diagnosis \(homeport doctor\) contact that service/);
	assert.match(page.text(field), /Empty: the diagnosis contacts nothing outside/);
	assert.strictEqual(page.$('input', field).value, '', 'unset reads empty');
	page.H.uci.changes.length = 0;
	await page.H.save();
	assert.strictEqual(JSON.stringify(page.H.uci.changes), '[]', 'an untouched Save wrote something');
	await page.type(page.$('input', field), 'https://probe.example.net/check');
	await page.H.save();
	assert.strictEqual(page.H.uci.get('homeport', 'main', 'probe_url'), 'https://probe.example.net/check');

	const doctor = await open('doctor', withDevices(fixture('base')));
	const row = doctor.$$('tr').filter((tr) => /probe\.example\.net/.test(tr.textContent))[0];
	assert.ok(row, 'the outside check\'s finding is not shown');
	assert.deepStrictEqual(doctor.$$('td', row).map((td) => doctor.text(td)), ['Problem', "forward 'NAS'",
		'from outside, port 8443 did not answer (probe.example.net connected to 203.0.113.77:8443 and got no reply)']);
	assert.ok(doctor.$('strong', row), 'a problem is in bold, as the others');
});

test('1 (issues 11, 14, 15): the new fields and the device pickers carry values as text', async () => {
	for (const view of ['ddns', 'forwards', 'settings', 'doctor']) {
		const plain = await open(view, withDevices(fixture('base')));
		await openEveryDialog(plain);
		const own = tagsOf(plain);
		const page = await open(view, poisoned(withDevices(fixture('base')), PAYLOAD));
		await page.settle();
		const texts = await openEveryDialog(page);
		assert.deepStrictEqual(page.foreignElements(), [], `${view}: elements created from data`);
		assert.deepStrictEqual([...tagsOf(page)].filter((t) => !own.has(t)), [], `${view}: element kinds the view does not make`);
		assert.strictEqual(page.window.__pwned, 0, `${view}: an injected handler ran`);
		assert.deepStrictEqual(page.errors, [], `${view}: page errors`);
		if (view === 'forwards') {
			// The device picker's labels are the hints' names: text.
			const labels = page.$$('td[data-name="dest_ip"]').map((td) => page.text(td));
			assert.ok(labels.some((l) => l.startsWith(`device ${PAYLOAD}`)), `grid: ${labels}`);
			assert.ok(texts.length >= 5, 'dialogs opened');
		}
	}
});

// A choice saved in another spelling the daemon accepts (the schema's `aliases`, any case:
// src/config/read.rs choose(), src/config/service.rs Service::parse) is the same value.
// LuCI's ListValue offers only its choices (form.js ListValue.renderWidget() builds a
// ui.Select; ui.js Select.render() marks selected only the option equal to the value), so
// a value that is no choice shows the first option; and what depends() on the option
// follows that (form.js Map.isDependencySatisfied() compares formvalue()), while
// AbstractValue.parse() removes every inactive field unless `retain`, and writes a form
// value that differs from cfgvalue(). Opened and saved untouched, such a section lost its
// password or AAAA token and had its provider, family, protocol or log level changed.
// Now it opens with the canonical choice selected and an untouched Save writes nothing.
test('choices in an alias spelling open as that choice; an untouched Save changes nothing', async () => {
	const fx = withAliases(fixture('base'));

	const selected = (page, name) => page.$('select', page.field(name)).value;
	const ddns = await open('ddns', fx);
	for (const [sid, want, fields] of [
		['fa', { service: 'freedns', family: 'both', ip_source: 'interface' }, ['password', 'password_ipv6']],
		['ni', { service: 'noip' }, ['username', 'password']],
		['ns', { service: 'rfc2136', key_algorithm: 'hmac-sha512' }, ['server', 'zone', 'key_name', 'key_algorithm', 'key_secret']]]) {
		await ddns.click(ddns.$(`.cbi-button-edit[data-sid="${sid}"]`));
		for (const [name, value] of Object.entries(want))
			assert.strictEqual(selected(ddns, name), value, `${sid}: ${name} opens as ${value}`);
		for (const name of fields)
			assert.ok(shown(ddns, name), `${sid}: ${name} hidden`);
		ddns.H.uci.changes.length = 0;
		await ddns.click(ddns.button('Save', ddns.modal()));
		assert.strictEqual(ddns.text(ddns.modal()), '', `${sid}: dialog closed`);
		assert.strictEqual(JSON.stringify(ddns.H.uci.changes), '[]', `${sid}: an untouched Save changed something`);
	}
	assert.strictEqual(ddns.H.uci.get('homeport', 'fa', 'password_ipv6'), 'tok6');
	// The grid names the provider and the password field its secret as for the canonical name.
	assert.match(ddns.text(ddns.$('tr[data-sid="fa"]')), /FreeDNS \(afraid\.org\)/);
	await ddns.click(ddns.$('.cbi-button-edit[data-sid="fa"]'));
	assert.match(ddns.text(ddns.field('password')), /Update token/);
	await ddns.click(ddns.button('Dismiss', ddns.modal()));

	const fwd = await open('forwards', fx);
	for (const [sid, want] of [['all', { family: 'any', proto: 'tcpudp' }], ['tcpcase', { proto: 'tcp' }],
		['words', { proto: 'tcpudp' }], ['list', { proto: 'tcpudp' }]]) {
		await fwd.click(fwd.$(`.cbi-button-edit[data-sid="${sid}"]`));
		for (const [name, value] of Object.entries(want))
			assert.strictEqual(selected(fwd, name), value, `${sid}: ${name} opens as ${value}`);
		fwd.H.uci.changes.length = 0;
		await fwd.click(fwd.button('Save', fwd.modal()));
		assert.strictEqual(JSON.stringify(fwd.H.uci.changes), '[]', `${sid}: an untouched Save changed something`);
	}

	const settings = await open('settings', fx);
	assert.strictEqual(settings.$('select', settings.$('.cbi-value[data-name="log_level"]')).value, 'warning');
	settings.H.uci.changes.length = 0;
	await settings.H.save();
	assert.strictEqual(JSON.stringify(settings.H.uci.changes), '[]', 'settings: Save with nothing changed wrote something');
});
