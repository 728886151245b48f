// SPDX-License-Identifier: GPL-2.0-only
//
// Every luci-app-homeport view in a real browser engine: Debian's chromium, driven by
// puppeteer-core, against the LuCI stand-in (standin/) served from a static server on
// 127.0.0.1. Saves a screenshot of each view and dialog into $SCREENSHOTS (default
// target/luci-screenshots/), checks that no injected handler runs, adds a DDNS host and
// a forward by clicking and typing, writes the resulting UCI file there and has
// `homeport check` read it.
//
//   node tests/luci/browser.js        (exit 0: passed; 77: chromium is not installed)
//
// CHROMIUM: the browser binary (default: chromium on PATH). HOMEPORT_BIN: the homeport
// binary for the check (default target/debug/homeport).

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const { spawnSync } = require('child_process');
const { fixture, poisoned, withDevices, withAliases, withSchema, stagedCheck, VIEW_NAMES, ROOT, VIEWS, MODULES } = require('./lib.js');

const OUT = process.env.SCREENSHOTS || path.join(ROOT, 'target', 'luci-screenshots');
const PAYLOAD = '<img src=x onerror="window.__pwned++">';

function findChromium() {
	if (process.env.CHROMIUM) return process.env.CHROMIUM;
	for (const name of ['chromium', 'chromium-browser']) {
		const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
		if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
	}
	return null;
}

function serve() {
	const fixtures = {
		base: withSchema(fixture('base')),
		clean: withSchema(fixture('clean')),
		poisoned: withSchema(poisoned(fixture('base'), PAYLOAD)),
		devices: withSchema(withDevices(fixture('base'))),
		aliases: withSchema(withAliases(fixture('base'))),
		devicespoisoned: withSchema(poisoned(withDevices(fixture('base')), PAYLOAD)),
		stopped: (() => {
			const fx = withSchema(fixture('base'));
			const st = fx.rpc['homeport.status'];
			st.running = false;
			st.forwards.forEach((f) => { f.active = false; f.reason = 'homeport is not running'; });
			return fx;
		})()
	};
	const server = http.createServer((req, res) => {
		const url = new URL(req.url, 'http://127.0.0.1');
		let body = null, type = 'text/plain';
		let m;
		// The rpcd plugin's `check`: the real `homeport check --json` on the staged UCI text.
		if (url.pathname === '/check' && req.method === 'POST') {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => {
				let out;
				try {
					out = JSON.stringify(stagedCheck(Buffer.concat(chunks).toString('utf8')));
				} catch (e) {
					out = JSON.stringify({ error: String(e.message) });
				}
				res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
				res.end(out);
			});
			return;
		}
		if (url.pathname === '/') {
			body = fs.readFileSync(path.join(__dirname, 'standin', 'page.html'));
			type = 'text/html; charset=utf-8';
		}
		else if (url.pathname === '/standin/luci.js') {
			body = fs.readFileSync(path.join(__dirname, 'standin', 'luci.js'));
			type = 'application/javascript';
		}
		else if ((m = /^\/luci-static\/resources\/view\/homeport\/([a-z]+)\.js$/.exec(url.pathname)) && VIEW_NAMES.includes(m[1])) {
			body = fs.readFileSync(path.join(VIEWS, m[1] + '.js'));
			type = 'application/javascript';
		}
		else if ((m = /^\/luci-static\/resources\/homeport\/([a-z]+)\.js$/.exec(url.pathname)) && fs.existsSync(path.join(MODULES, m[1] + '.js'))) {
			body = fs.readFileSync(path.join(MODULES, m[1] + '.js'));
			type = 'application/javascript';
		}
		else if ((m = /^\/fixtures\/([a-z]+)\.json$/.exec(url.pathname)) && fixtures[m[1]]) {
			body = JSON.stringify(fixtures[m[1]]);
			type = 'application/json';
		}
		if (body == null) {
			res.writeHead(404);
			res.end();
			return;
		}
		res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
		res.end(body);
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

async function main() {
	const chromium = findChromium();
	if (!chromium) {
		console.log('skip: chromium is not installed (apt-get install chromium)');
		return 77;
	}
	const puppeteer = require('puppeteer-core');
	fs.mkdirSync(OUT, { recursive: true });
	const server = await serve();
	const base = `http://127.0.0.1:${server.address().port}`;
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'homeport-chromium-'));
	const browser = await puppeteer.launch({
		executablePath: chromium,
		headless: true,
		userDataDir: profile,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		protocolTimeout: 120000
	});
	const shots = [];
	const failures = [];
	try {
		const page = await browser.newPage();
		await page.setViewport({ width: 1280, height: 1400 });
		const pageErrors = [];
		page.on('pageerror', (e) => pageErrors.push(String(e)));
		// Nothing but the stand-in server is reached.
		await page.setRequestInterception(true);
		page.on('request', (r) => (r.url().startsWith(base) ? r.continue() : r.abort()));

		const load = async (view, fx) => {
			pageErrors.length = 0;
			await page.goto(`${base}/?view=${view}&fixture=${fx}`, { waitUntil: 'load' });
			await page.waitForFunction('window.__homeport && window.__homeport.ready', { timeout: 60000 });
			const ready = await page.evaluate('window.__homeport.ready');
			check(ready === true, `${view}/${fx}: ${ready}`);
		};
		const shot = async (name) => {
			const file = path.join(OUT, name + '.png');
			await page.screenshot({ path: file, fullPage: true });
			shots.push(file);
		};
		const step = async (what, fn) => {
			try {
				await fn();
				console.log(`ok   ${what}`);
			} catch (e) {
				failures.push(`${what}: ${e.message}`);
				console.log(`FAIL ${what}: ${e.message}`);
			}
		};
		const clickButton = (label, scope) => page.evaluate((label, scope) => {
			const root = scope ? document.querySelector(scope) : document;
			const b = Array.from(root.querySelectorAll('button')).filter((x) => x.textContent.trim() === label)[0];
			if (!b) throw new Error('no button ' + label);
			b.click();
		}, label, scope || null);
		const settle = () => new Promise((r) => setTimeout(r, 300));

		for (const view of VIEW_NAMES) {
			await step(`${view}: renders with the base fixture`, async () => {
				await load(view, 'base');
				await page.evaluate('window.__homeport.pollOnce()');
				await settle();
				check(pageErrors.length === 0, pageErrors.join('; '));
				await shot(view);
			});
		}

		await step('every view: injected markup stays text, no handler runs', async () => {
			for (const [view, fx] of VIEW_NAMES.map((v) => [v, 'poisoned']).concat(VIEW_NAMES.map((v) => [v, 'devicespoisoned']))) {
				await load(view, fx);
				await page.evaluate('window.__homeport.pollOnce()');
				// Open and close every dialog, so its widgets are built from the values too.
				const n = await page.evaluate('document.querySelectorAll(".cbi-button-edit").length');
				for (let i = 0; i < n; i++) {
					await page.evaluate((i) => document.querySelectorAll('.cbi-button-edit')[i].click(), i);
					await settle();
					await clickButton('Dismiss', '#modal_overlay');
				}
				await new Promise((r) => setTimeout(r, 1000)); // time for an <img> to fail
				const pwned = await page.evaluate('window.__pwned');
				const imgs = await page.evaluate('document.querySelectorAll("img, svg, iframe, object, embed, video, audio").length');
				check(pwned === 0, `${view}: injected handler ran ${pwned} times`);
				check(imgs === 0, `${view}: ${imgs} injected elements`);
				check(pageErrors.length === 0, pageErrors.join('; '));
				if (view === 'status' || view === 'forwards') await shot(`${view}-${fx}`);
			}
		});

		await step('status: a stopped daemon', async () => {
			await load('status', 'stopped');
			const text = await page.evaluate('document.body.innerText');
			check(/homeport is not running/.test(text), 'not said');
			check(!/\tactive\t/.test(text), 'a forward shows active');
			check(!/up to date/i.test(text), 'a host shows up to date');
			await shot('status-stopped');
		});

		await step('forwards: Save & Apply refused while the staged check finds errors', async () => {
			await load('forwards', 'base');
			await page.evaluate('window.__homeport.saveApply()');
			await settle();
			const note = await page.evaluate('(document.querySelector(".alert-message.danger") || {}).innerText || ""');
			check(/Not applied/.test(note) && /'70000' is not a port/.test(note), `no refusal naming the error: ${note}`);
			check(await page.evaluate('window.__homeport.applied === undefined'), 'applied');
			await shot('forwards-not-applied');
		});

		await step('forwards: edit dialog', async () => {
			await load('forwards', 'base');
			await page.evaluate('document.querySelector(".cbi-button-edit").click()');
			await settle();
			await shot('forwards-dialog');
			await clickButton('Dismiss', '#modal_overlay');
		});

		await step('ddns: a new entry without names says so', async () => {
			await load('ddns', 'base');
			await page.type('.cbi-section-create-name', 'nonames');
			await clickButton('Add host');
			await settle();
			await clickButton('Save', '#modal_overlay');
			await settle();
			const msg = await page.evaluate('document.querySelector("#modal_overlay .cbi-value[data-name=domain]").innerText');
			check(/enter at least one name/i.test(msg), `no message: ${msg}`);
			await page.select('#modal_overlay .cbi-value[data-name=service] select', 'duckdns');
			await settle();
			await shot('ddns-dialog-required-names');
			await clickButton('Dismiss', '#modal_overlay');
		});

		// Issues 11, 14, 15: the new fields, where they apply.
		const visible = (name) => page.evaluate((name) => {
			const f = document.querySelector(`#modal_overlay .cbi-value[data-name=${name}]`);
			return !!f && !f.classList.contains('hidden');
		}, name);

		await step('ddns: FreeDNS with both families asks for the AAAA token; a device source offers the LAN devices', async () => {
			await load('ddns', 'devices');
			await page.evaluate('document.querySelector(".cbi-button-edit[data-sid=v6nas]").click()');
			await settle();
			check(await visible('password_ipv6'), 'no AAAA token field for FreeDNS with both');
			check(await page.evaluate('document.querySelector("#modal_overlay .cbi-value[data-name=password_ipv6] input").type') === 'password',
				'the AAAA token is not a password field');
			check(await visible('ip_device'), 'no device field for ip_source device');
			await shot('ddns-dialog-freedns-device');
			await page.select('#modal_overlay .cbi-value[data-name=family] select', 'ipv4');
			await settle();
			check(!(await visible('password_ipv6')), 'AAAA token field for IPv4 only');
			check(await visible('_device_family'), 'no note that a device gives only the AAAA record');
			await clickButton('Dismiss', '#modal_overlay');
			await page.evaluate('document.querySelector(".cbi-button-edit[data-sid=own]").click()');
			await settle();
			check(await visible('answer'), 'no success text for custom');
			await clickButton('Dismiss', '#modal_overlay');
		});

		await step('forwards: a forward to a device picked by name, IPv6 only with a warning', async () => {
			await load('forwards', 'devices');
			const cell = await page.evaluate('document.querySelector("tr[data-sid=nas] td[data-name=dest_ip]").innerText');
			check(/desktop \(aa:bb:cc:dd:ee:01\)/.test(cell), `the grid does not show the device by name and MAC: ${cell}`);
			await clickButton('Add forward');
			await settle();
			await page.type('#modal_overlay .cbi-value[data-name=name] input', 'Camera feed');
			await page.type('#modal_overlay .cbi-value[data-name=src_dport] input', '8555');
			await page.select('#modal_overlay .cbi-value[data-name=_target] select', 'host');
			await settle();
			check(!(await visible('dest_ip')) && (await visible('dest_host')), 'the device field does not replace the address');
			await page.type('#modal_overlay .cbi-value[data-name=dest_host] input', 'camera');
			check(!(await visible('_pinhole')), 'the pinhole warning without IPv6');
			await page.select('#modal_overlay .cbi-value[data-name=family] select', 'any');
			await settle();
			check(await visible('_pinhole'), 'no warning when IPv6 to a device is chosen');
			await shot('forwards-dialog-device-ipv6');
			await page.select('#modal_overlay .cbi-value[data-name=family] select', '');
			await settle();
			await clickButton('Save', '#modal_overlay');
			await settle();
			check(await page.evaluate('document.querySelector("#modal_overlay .modal").textContent === ""'), 'dialog did not close');
			const sec = await page.evaluate(() => window.__homeport.uci.state.homeport.filter((x) => x.name === 'Camera feed')[0]);
			check(sec && sec.dest_host === 'camera' && sec.dest_ip == null && sec.dest_mac == null && sec.family == null,
				`written: ${JSON.stringify(sec)}`);
			await shot('forwards-after-add-device');
		});

		await step('settings: probe_url says the diagnosis contacts it', async () => {
			await load('settings', 'devices');
			const text = await page.evaluate('document.querySelector(".cbi-value[data-name=probe_url]").innerText');
			check(/contact that service/.test(text), `no sentence: ${text}`);
			await shot('settings-probe-url');
		});

		// A choice in an alias spelling (views.test.js has the why): a real <select> shows
		// the canonical choice, its fields stay, and Save untouched writes nothing.
		await step('ddns, forwards, settings: choices in alias spellings survive an untouched Save', async () => {
			for (const [view, sid, want] of [['ddns', 'fa', { service: 'freedns', family: 'both' }], ['ddns', 'ns', { key_algorithm: 'hmac-sha512' }],
				['forwards', 'all', { family: 'any', proto: 'tcpudp' }], ['forwards', 'list', { proto: 'tcpudp' }]]) {
				await load(view, 'aliases');
				await page.click(`.cbi-button-edit[data-sid="${sid}"]`);
				await settle();
				for (const [name, value] of Object.entries(want)) {
					const got = await page.evaluate((n) => document.querySelector(`#modal_overlay .cbi-value[data-name=${n}] select`).value, name);
					check(got === value, `${sid}: ${name} shows ${got}, not ${value}`);
				}
				if (sid === 'fa')
					check(await page.evaluate('!document.querySelector("#modal_overlay .cbi-value[data-name=password_ipv6]").classList.contains("hidden")'),
						'fa: the AAAA token is hidden');
				await page.evaluate('window.__homeport.uci.changes.length = 0');
				await clickButton('Save', '#modal_overlay');
				await settle();
				const changes = await page.evaluate('JSON.stringify(window.__homeport.uci.changes)');
				check(changes === '[]', `${sid}: an untouched Save wrote ${changes}`);
			}
			await load('settings', 'aliases');
			check(await page.evaluate('document.querySelector(".cbi-value[data-name=log_level] select").value') === 'warning', 'log_level warn is not shown as Warnings');
			await page.evaluate('window.__homeport.uci.changes.length = 0');
			await page.evaluate('window.__homeport.save()');
			const changes = await page.evaluate('JSON.stringify(window.__homeport.uci.changes)');
			check(changes === '[]', `settings: Save wrote ${changes}`);
		});

		let uciText = null;
		await step('add a DDNS host and a forward by typing and clicking', async () => {
			await load('ddns', 'clean');
			await page.type('.cbi-section-create-name', 'home');
			await clickButton('Add host');
			await settle();
			await page.select('#modal_overlay .cbi-value[data-name=service] select', 'duckdns');
			await settle();
			const tokenVisible = await page.evaluate(() => {
				const f = document.querySelector('#modal_overlay .cbi-value[data-name=password]');
				return f && !f.classList.contains('hidden') && f.querySelector('.cbi-value-title').textContent;
			});
			check(tokenVisible === 'Token', `duckdns token field: ${tokenVisible}`);
			await page.type('#modal_overlay .cbi-value[data-name=password] input', 'a1b2c3d4-0000-4000-8000-123456789abc');
			await page.type('#modal_overlay .cbi-value[data-name=domain] .add-item input', 'myhome.duckdns.org');
			await shot('ddns-dialog-new-duckdns');
			await clickButton('Save', '#modal_overlay');
			await settle();
			check(await page.evaluate('document.querySelector("#modal_overlay .modal").textContent === ""'), 'ddns dialog did not close');
			await page.evaluate('window.__homeport.save()');
			const ddnsPart = await page.evaluate('window.__homeport.uci.state.homeport');

			await load('forwards', 'clean');
			await page.evaluate((state) => { window.__homeport.uci.state.homeport = state; }, ddnsPart);
			await clickButton('Add forward');
			await settle();
			await page.type('#modal_overlay .cbi-value[data-name=name] input', 'Web server');
			await page.select('#modal_overlay .cbi-value[data-name=proto] select', 'tcp');
			await page.type('#modal_overlay .cbi-value[data-name=src_dport] input', '8443');
			await page.type('#modal_overlay .cbi-value[data-name=dest_ip] input', '192.168.1.20');
			await page.type('#modal_overlay .cbi-value[data-name=dest_port] input', '443');
			await page.type('#modal_overlay .cbi-value[data-name=src_ip] .add-item input', '198.51.100.0/24');
			await page.keyboard.press('Enter');
			await shot('forwards-dialog-new');
			await clickButton('Save', '#modal_overlay');
			await settle();
			check(await page.evaluate('document.querySelector("#modal_overlay .modal").textContent === ""'), 'forward dialog did not close');
			await clickButton('Save & Apply');
			await settle();
			check(await page.evaluate('window.__homeport.applied === 1'), 'the clean staged configuration was not applied');
			await shot('forwards-after-add');
			uciText = await page.evaluate('window.__homeport.uci.export("homeport")');
			fs.writeFileSync(path.join(OUT, 'added.uci'), uciText);
			// Exactly what was typed or picked: nothing the user left at its default.
			const written = uciText.split('\n').filter((l) => /^\t(option|list) /.test(l)).map((l) => l.trim().split(' ')[1]);
			check(JSON.stringify(written) === JSON.stringify(['service', 'domain', 'password', 'name', 'proto', 'src_dport', 'dest_ip', 'dest_port', 'src_ip']),
				`options written: ${written.join(' ')}\n${uciText}`);
		});

		await step('homeport check accepts the UCI the UI wrote', async () => {
			check(uciText, 'no UCI was written');
			const bin = process.env.HOMEPORT_BIN || path.join(ROOT, 'target', 'debug', 'homeport');
			check(fs.existsSync(bin), `${bin} missing (cargo build)`);
			const r = spawnSync(bin, ['check', '-c', path.join(OUT, 'added.uci')], { encoding: 'utf8' });
			fs.writeFileSync(path.join(OUT, 'added.check.txt'), `exit ${r.status}\n${r.stdout}${r.stderr}`);
			check(r.status === 0, `homeport check exit ${r.status}: ${r.stdout}${r.stderr}`);
			check(!/^error/m.test(r.stdout + r.stderr), `errors: ${r.stdout}${r.stderr}`);
		});
	} finally {
		await browser.close();
		server.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	console.log('screenshots:\n  ' + shots.join('\n  '));
	if (failures.length) {
		console.log(`browser: ${failures.length} failed`);
		return 1;
	}
	console.log('browser: all passed');
	return 0;
}

main().then((code) => process.exit(code), (e) => {
	console.error(e && e.stack || e);
	process.exit(1);
});
