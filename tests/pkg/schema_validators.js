// SPDX-License-Identifier: GPL-2.0-only
//
// LuCI's validators (htdocs/luci-static/resources/homeport/schema.js) against the daemon
// (issue 12 items 4 and 5):
//
//   node schema_validators.js <homeport binary>
//
// 1. The examples: debounce 15m, check_interval 5s, force_interval 30m, ranges of
//    different widths, an IPv6 src_ip on an IPv4 forward are refused; "10 minutes" is
//    accepted.
// 2. A corpus of values for every option whose type the validators implement is written
//    into one UCI file, one section per value, and `homeport check --json` reads it: a
//    value the daemon refuses (an error) or overrides (a warning that a default or a
//    floor is used instead) must be exactly a value the validator refuses.
// 3. Save & Apply: refused, with a notification, while the staged check has errors.
// Prints one line per failure and exits 1 if there was any.

'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const binary = process.argv[2];
const failures = [];
const fail = (msg) => failures.push(msg);

const schema = JSON.parse(execFileSync(binary, ['schema', '--json']).toString());

// The module, against minimal stand-ins for LuCI.
let checkAnswer = null;
const record = { notifications: [], applied: 0 };
function loadModule() {
	const file = path.join(__dirname, '..', '..', 'openwrt-package', 'luci-app-homeport', 'htdocs', 'luci-static',
		'resources', 'homeport', 'schema.js');
	String.prototype.format = function() {
		const args = Array.from(arguments);
		return this.replace(/%([sdf%])/g, (m, c) => (c === '%' ? '%' : String(args.shift())));
	};
	const baseclass = { extend: (p) => { const C = function() {}; Object.assign(C.prototype, p); return C; } };
	const rpc = {
		declare: (spec) => () => Promise.resolve(spec.method === 'schema' ? schema : checkAnswer)
	};
	const ui = {
		addNotification: (title, body, cls) => record.notifications.push({ title, cls }),
		changes: { apply: () => { record.applied++; } }
	};
	const E = (tag, attrs, children) => ({ tag, attrs, children });
	const L = { resolveDefault: (p, d) => Promise.resolve(p).then((x) => x, () => d) };
	const f = new Function('baseclass', 'form', 'rpc', 'ui', 'dom', 'L', 'E', '_', fs.readFileSync(file, 'utf8'));
	const C = f(baseclass, {} /* form: only unsetIsDefault() uses it, not tested here */, rpc, ui, { content() {} }, L, E, (s) => s);
	return new C();
}
const hp = loadModule();

function validate(type, option, value, siblings) {
	return hp.validate(schema, type, option, value, (name) => (siblings || {})[name]);
}

// 1. The examples.
const examples = [
	['homeport', 'debounce', '15m', {}, false],
	['homeport', 'debounce', '10m', {}, true],
	['homeport', 'debounce', '10 minutes', {}, true],
	['ddns', 'check_interval', '5s', {}, false],
	['ddns', 'check_interval', '10 minutes', {}, true],
	['ddns', 'force_interval', '30m', {}, false],
	['ddns', 'force_interval', '0', {}, true],
	['forward', 'dest_port', '440-443', { src_dport: '8440-8444' }, false],
	['forward', 'dest_port', '440-444', { src_dport: '8440-8444' }, true],
	['forward', 'dest_port', '443', { src_dport: '8440-8444' }, false],
	['forward', 'dest_port', '443', { src_dport: '8443' }, true],
	['forward', 'src_ip', '2001:db8::/32', { family: 'ipv4' }, false],
	['forward', 'src_ip', '2001:db8::/32', { dest_ip: '192.168.1.5' }, false],
	['forward', 'src_ip', '2001:db8::/32', { family: 'any' }, true],
	['forward', 'src_ip', '2001:db8::/32', {}, true],
	['forward', 'dest_ip', 'fd00::5', { family: 'ipv4' }, false]
];
for (const [type, option, value, sib, want] of examples) {
	const got = validate(type, option, value, sib) === true;
	if (got !== want)
		fail(`example ${type}.${option}='${value}' ${JSON.stringify(sib)}: validator ${got ? 'accepts' : 'refuses'}, want ${want ? 'accept' : 'refuse'}`);
}

// 2. The corpus against `homeport check`. (Empty values are not in it: what a service
// requires is `homeport check`'s to say before Save & Apply.)
const DURATIONS = ['0', '5', '5s', '29s', '30', '30s', '90', '10m', '10 minutes', '10 MINUTES', '15m', '600', '601',
	'1h', '30m', '59m', '72h', '2d', '366d', '367d', 'ten minutes', '10w', '1.5h', '-5', ' 5m ', '5 m', '1 0',
	'999999999999', '9999999999999', 'm', '10mins', '3 hours', '1Day'];
const BOOLS = ['1', '0', 'yes', 'No', 'ON', 'off', 'true', 'False', 'enabled', 'DISABLED', '2', 'y', ' 1'];
const NAMES = ['wan', 'wan6', 'wan_2', 'wan-1', 'w a n', 'x'.repeat(64), 'x'.repeat(65), 'WAN', '\u00fc'];
const DEVICES = ['eth0', 'pppoe-wan', 'eth0.2', 'a/b', 'x:y', '.', '..', 'a'.repeat(15), 'a'.repeat(16), 'eth*', 'e"t',
	'tab\there', '\u00e9th0'];
const HOSTS = ['home.example.org', 'home.example.org.', 'a..b', '-a.org', 'a-.org', 'a_b.org', 'x'.repeat(63) + '.org',
	'x'.repeat(64) + '.org', '\u00fcmlaut.org', 'a b', 'A.ORG', 'a.', ('a'.repeat(60) + '.').repeat(5)];
const SERVERS = ['ns1.example.org', 'ns1.example.org:53', '192.0.2.1', '192.0.2.1:53', '[2001:db8::1]',
	'[2001:db8::1]:53', '2001:db8::1', '[2001:db8::1', 'host:0', 'host:65536', 'host:', '1.2.3.4.5', 'a b',
	'[192.0.2.1]', '192.0.2.256:53'];
const TEXTS = ['RDP', 'x'.repeat(128), 'x'.repeat(129), '\u00e9'.repeat(64), '\u00e9'.repeat(65), 'a\u202eb',
	'a\u00adb', 'tab\there', 'a\u0085b', 'a\u200bb', 'emoji \u{1f600}'];
const SECRETS = ['secret', 'p\u0007w', 'x'.repeat(4096), 'x'.repeat(4097), 'a\u202eb', 'tab\there'];
const PATHS = ['/etc/ssl/certs/ca.crt', 'relative', 'IGNORE', 'ignore', '/a\u202eb', '/' + 'x'.repeat(4096)];
const PORTS = ['80', '0', '65535', '65536', '8000-8010', '8000:8010', '8010-8000', '1-', '!80', ' 80 ', '80 - 90',
	'1-2-3', '00080', '+5', '\u0663', '123456'];
const DEST_PORTS = ['9000-9010', '9000-9009', '443', '1-11', '70000', '9000:9010'];
const IPS = ['192.168.1.5', '192.168.1.5/32', '192.168.1.0/24', '0.0.0.0', '127.0.0.1', '224.0.0.1',
	'255.255.255.255', 'fd00::5', 'fd00::5/128', 'fe80::1', '::1', '::', 'ff02::1', '::ffff:192.168.1.5',
	'192.168.01.5', '1.2.3', '2001:db8::1', 'x', '10.0.0.1/31', '::ffff:0:1'];
const MATCHES = ['198.51.100.0/24', '!198.51.100.7', '! 198.51.100.7', '198.51.100.0/255.255.255.0',
	'198.51.100.0/255.0.255.0', '198.51.100.0/33', '2001:db8::/32', '2001:db8::/129', '1.2.3.4/', 'x',
	'::ffff:1.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::1:2:3:4:5:6:7', '1:2:3:4:5:6:1.2.3.4',
	'::1.2.3.4', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6:7:8:9', '0.0.0.0/0', '::/0', '198.51.100.7/0032',
	'12345::', '1:2:3:4:5:6::7:8', 'a:b:c:d:e:f:0:1/64', '::ffff:1.2.3'];
const MACS = ['aa:bb:cc:dd:ee:ff', 'AA-BB-CC-DD-EE-FF', 'aa:bb:c:d:ee:f', 'aa:bb:cc:dd:ee', 'aa:bb:cc:dd:ee:ff:00',
	'aa:bb:cc:dd:ee:fff', 'aa:bb:cc:dd:ee:gg', 'aa::cc:dd:ee:ff', 'aa:bb-cc:dd:ee:ff', '+a:bb:cc:dd:ee:ff',
	'01:00:5e:00:00:01', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00', '02:00:00:00:00:01', ' aa:bb:cc:dd:ee:ff',
	'aabb.ccdd.eeff', 'aa:bb:cc:dd:ee:ff '];

const BASE = {
	homeport: {},
	ddns: { service: 'dyndns2', server: 'dyn.example.org', username: 'u', password: 'p', domain: 'home.example.org' },
	forward: { src_dport: '50000' }
};
const cases = [];
const add = (type, option, values, extra) => values.forEach((v) => cases.push({ type, option, value: v, extra: extra || {} }));
add('homeport', 'debounce', DURATIONS);
for (const d of ['check_interval', 'force_interval', 'retry_interval'])
	add('ddns', d, DURATIONS);
add('homeport', 'enabled', BOOLS);
add('ddns', 'use_https', BOOLS);
add('forward', 'reflection', BOOLS);
add('homeport', 'interface', NAMES);
add('homeport', 'zone', NAMES);
add('homeport', 'device', DEVICES);
add('ddns', 'lookup_host', HOSTS);
add('ddns', 'dns_server', SERVERS);
add('ddns', 'username', TEXTS);
add('forward', 'comment', TEXTS);
add('ddns', 'password', SECRETS);
add('ddns', 'cacert', PATHS);
add('ddns', 'key_secret', ['c2VjcmV0', 'c2VjcmV0==', 'c2VjcmU=', 'c2VjcmU', 'c2Vjc', 'c2', 'c', '====', '==',
	'c2VjcmV0=', 'c2Vj cmV0', 'c2Vé', 'c2VjcmV0c2VjcmV0c2VjcmV0', 'ab=c', 'abc==', 'a+/b', '-_ab'],
	{ service: 'rfc2136', server: 'ns.example.org', key_name: 'k', username: '', password: '' });
add('forward', 'src_dport', PORTS);
add('forward', 'dest_port', DEST_PORTS, { src_dport: '8000-8010' });
add('forward', 'dest_ip', IPS);
add('forward', 'dest_mac', MACS);
add('forward', 'dest_host', HOSTS);
add('forward', 'dest_ip', ['192.168.1.5', 'fd00::5'], { family: 'ipv4' });
add('forward', 'dest_ip', ['192.168.1.5', 'fd00::5'], { family: 'ipv6' });
add('forward', 'src_ip', MATCHES);
add('forward', 'src_ip', ['198.51.100.0/24', '2001:db8::/32'], { family: 'ipv4' });
add('forward', 'src_ip', ['198.51.100.0/24', '2001:db8::/32'], { family: 'ipv6' });
add('forward', 'src_ip', ['198.51.100.0/24', '2001:db8::/32'], { dest_ip: '192.168.1.5' });
add('forward', 'src_ip', ['198.51.100.0/24', '2001:db8::/32'], { dest_ip: 'fd00::5', family: 'any' });

// main is one section per file; the rest go into one file.
const quote = (v) => "'" + v.replace(/'/g, "'\\''") + "'";
function section(c, i) {
	const name = `c${i}`;
	const opts = Object.assign({}, BASE[c.type], c.extra, { [c.option]: c.value });
	let s = `\nconfig ${c.type} '${c.type === 'homeport' ? 'main' : name}'\n`;
	for (const [k, v] of Object.entries(opts)) {
		const list = c.type === 'forward' && k === 'src_ip' || k === 'domain';
		s += `\t${list ? 'list' : 'option'} ${k} ${quote(v)}\n`;
	}
	return s;
}

function daemon(text) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'homeport-validators-'));
	const file = path.join(dir, 'homeport');
	fs.writeFileSync(file, text);
	const none = path.join(dir, 'none');
	let out;
	try {
		out = execFileSync(binary, ['check', '--json', '-c', file, '--network', none, '--dhcp', none, '--firewall', none]);
	} catch (e) {
		out = e.stdout;
	}
	fs.rmSync(dir, { recursive: true, force: true });
	return JSON.parse(out.toString());
}

// A refusal or an override of this option's value.
// (Not: an external port another section of the corpus forwards already.)
const refuses = (d, option) => d.option === option && !/is already forwarded by section/.test(d.message) &&
	(d.severity === 'error' || /; (using |ignored$)/.test(d.message));

const others = [];
cases.forEach((c, i) => {
	if (c.type === 'homeport') {
		const report = daemon(section(c, i));
		c.daemon = !report.diagnostics.some((d) => refuses(d, c.option));
	} else {
		others.push([c, i]);
	}
});
const report = daemon(others.map(([c, i]) => section(c, i)).join(''));
for (const [c, i] of others)
	c.daemon = !report.diagnostics.some((d) => d.name === `c${i}` && refuses(d, c.option));

let compared = 0;
for (const c of cases) {
	const sib = Object.assign({}, BASE[c.type], c.extra);
	const ui = validate(c.type, c.option, c.value, sib);
	compared++;
	if ((ui === true) !== c.daemon)
		fail(`${c.type}.${c.option}=${JSON.stringify(c.value)} ${JSON.stringify(c.extra)}: daemon ${c.daemon ? 'accepts' : 'refuses'}, validator ${ui === true ? 'accepts' : 'refuses (' + ui + ')'}`);
}
if (compared < 200)
	fail(`only ${compared} values compared`);

// 3. Save & Apply against the staged check.
(async () => {
	await hp.load();
	const view = { handleSave: () => Promise.resolve() };
	checkAnswer = { errors: 1, warnings: 0, diagnostics: [{ severity: 'error', section: '@forward[0]', type: 'forward',
		index: 0, name: 'web', option: 'dest_port', value: '440-443', message: 'is a range of 4 ports but src_dport has 5' }] };
	let applied = await hp.saveApply(view, null, '1');
	if (applied !== false || record.applied !== 0 || record.notifications.length !== 1 || record.notifications[0].cls !== 'danger')
		fail(`Save & Apply with an error: applied=${applied}, ${JSON.stringify(record)}`);
	// The error is shown beside its field: the bound validator of the dialog says why.
	const m = { config: 'homeport', data: { sections: () => [{ '.name': 'web' }], get: () => '8440-8444' } };
	const o = { option: 'dest_port' };
	hp.bind(m, { children: [o] }, 'forward');
	const beside = o.validate.call(o, 'web', '440-443');
	if (beside === true)
		fail('the staged check\'s error is not shown beside dest_port');
	checkAnswer = { errors: 0, warnings: 1, diagnostics: [{ severity: 'warning', section: '@forward[0]', type: 'forward',
		index: 0, name: 'web', option: 'src_dport', value: '3389', message: 'exposes RDP' }] };
	applied = await hp.saveApply(view, null, '1');
	if (applied !== true || record.applied !== 1)
		fail(`Save & Apply with warnings only: applied=${applied}, ${JSON.stringify(record)}`);
	for (const f of failures)
		console.log('FAIL ' + f);
	console.log(`validators: ${compared} values compared with the daemon, ${examples.length} examples, ${failures.length} failures`);
	process.exit(failures.length ? 1 : 0);
})();
