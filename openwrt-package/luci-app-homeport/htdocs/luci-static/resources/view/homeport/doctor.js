'use strict';
'require view';
'require rpc';
'require dom';

// `homeport doctor --json` through the rpcd plugin (/usr/libexec/rpcd/homeport, method
// doctor): {"problems": N, "findings": [{"level", "subject", "text"}...]} (docs/doctor.md).
// Every string from the router is passed inside an array: LuCI's dom.append makes array
// items text nodes, while a bare string would become innerHTML. Texts are never markup.
var callDoctor = rpc.declare({
	object: 'homeport',
	method: 'doctor',
	expect: { '': {} }
});

var levels = {
	ok: _('OK'),
	note: _('Note'),
	problem: _('Problem')
};

function renderFindings(doc) {
	if (!doc || doc.error || !Array.isArray(doc.findings))
		return E('div', { 'class': 'alert-message warning' },
			[ doc && doc.error ? String(doc.error) : _('homeport doctor gave no answer.') ]);

	var rows = doc.findings.map(function(finding) {
		var level = levels[finding.level] || String(finding.level);
		return E('tr', { 'class': 'tr' + (finding.level == 'problem' ? ' cbi-rowstyle-2' : '') }, [
			E('td', { 'class': 'td left' }, [ finding.level == 'problem' ? E('strong', {}, [ level ]) : level ]),
			E('td', { 'class': 'td left' }, [ String(finding.subject) ]),
			E('td', { 'class': 'td left' }, [ String(finding.text) ])
		]);
	});
	var summary = doc.problems > 0
		? _('%d problem(s) found.').format(doc.problems)
		: _('No problems found.');
	return E('div', {}, [
		E('p', {}, [ E('strong', {}, [ summary ]) ]),
		E('table', { 'class': 'table' }, [
			E('tr', { 'class': 'tr table-titles' }, [
				E('th', { 'class': 'th' }, _('Result')),
				E('th', { 'class': 'th' }, _('About')),
				E('th', { 'class': 'th' }, _('What was found, and what to do'))
			])
		].concat(rows))
	]);
}

return view.extend({
	load: function() {
		return L.resolveDefault(callDoctor(), {});
	},

	render: function(doc) {
		var body = E('div', { 'id': 'homeport-doctor' }, renderFindings(doc));
		var again = E('button', {
			'class': 'btn cbi-button cbi-button-action',
			'click': function() {
				return L.resolveDefault(callDoctor(), {}).then(function(answer) {
					dom.content(body, renderFindings(answer));
				});
			}
		}, _('Check again'));

		return E('div', { 'class': 'cbi-map' }, [
			E('h2', {}, _('homeport: diagnose')),
			E('div', { 'class': 'cbi-map-descr' },
				_('Why this router may not be reachable from the internet: the WAN address, each Dynamic DNS name and each port forward, checked from the router. Tests from inside the LAN need reflection. With an outside check service set in Settings, the forwards are also tried from the internet; otherwise a test from outside (mobile data) is the final word.')),
			E('p', {}, again),
			body
		]);
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
