/**
 * ketengraaf wiki gadget: shows, in the sidebar of a GEMMA online or NORA online page, the
 * resources of the ketengraaf catalogue about that page (chains, processes, roles, ...).
 *
 * It asks  <ketengraaf>/api/wiki-links?wiki=<gemma|nora>&title=<page title>  and adds one link
 * per resource to a "Ketengraaf" portlet (or, on MediaWiki before 1.41, to the toolbox).
 * The API answers browsers on the configured wikis' hosts only (CORS; setting `wikis`).
 * Installation and settings: docs/wiki-gadget.md. ES5 syntax, so any gadget setup runs it.
 */
(function () {
	'use strict';

	var settings = (typeof window !== 'undefined' && window.ketengraafGadget) || {};
	var BASE = (settings.base || 'https://ketengraaf.example.org').replace(/\/+$/, '');
	// host -> wiki name in the ketengraaf setting `wikis`
	var WIKIS = settings.wikis || {
		'www.gemmaonline.nl': 'gemma', 'gemmaonline.nl': 'gemma',
		'www.noraonline.nl': 'nora', 'noraonline.nl': 'nora'
	};
	var TEXT = {
		nl: { title: 'Ketengraaf', tip: 'Bronnen in de ketengraaf over deze pagina' },
		en: { title: 'Ketengraaf', tip: 'Resources in ketengraaf about this page' }
	};

	function wikiName(server) {
		var host = String(server || '').replace(/^(https?:)?\/\//, '').split('/')[0].toLowerCase();
		return WIKIS[host] || null;
	}

	function apiUrl(wiki, title) {
		return BASE + '/api/wiki-links?wiki=' + encodeURIComponent(wiki) + '&title=' + encodeURIComponent(title);
	}

	function show(mw, data) {
		if (!data || !data.resources || !data.resources.length) {
			return [];
		}
		var text = TEXT[mw.config.get('wgUserLanguage')] || TEXT.nl;
		var portlet = 'p-tb';
		if (mw.util.addPortlet) {
			var made = mw.util.addPortlet('p-ketengraaf', text.title, '#p-tb');
			if (made) {
				portlet = 'p-ketengraaf';
			}
		}
		var added = [];
		data.resources.forEach(function (r, i) {
			var types = (r.types || []).map(function (t) { return t.label; }).join(', ');
			var tip = text.tip + ': ' + r.label + (types ? ' (' + types + ')' : '');
			added.push(mw.util.addPortletLink(portlet, r.html || r.url, r.label, 't-ketengraaf-' + i, tip));
		});
		return added;
	}

	function run(mw) {
		if (mw.config.get('wgNamespaceNumber') < 0 || mw.config.get('wgAction') !== 'view') {
			return Promise.resolve([]);
		}
		var wiki = wikiName(mw.config.get('wgServer'));
		if (!wiki) {
			return Promise.resolve([]);
		}
		return fetch(apiUrl(wiki, mw.config.get('wgPageName')), { headers: { Accept: 'application/json' } })
			.then(function (resp) { return resp.ok ? resp.json() : null; })
			.then(function (data) { return show(mw, data); })
			.catch(function () { return []; });   // the catalogue being away must not disturb the wiki
	}

	if (typeof module !== 'undefined' && module.exports) {
		module.exports = { run: run, wikiName: wikiName, apiUrl: apiUrl };
	} else if (typeof mw !== 'undefined') {
		mw.loader.using(['mediawiki.util']).then(function () { run(mw); });
	}
}());
