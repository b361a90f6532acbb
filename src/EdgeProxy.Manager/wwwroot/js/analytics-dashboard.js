// Analytics dashboard: reads the range and filters from the page's query string, fetches /api/analytics/*,
// draws uPlot charts (local asset) and fills the top tables. Drill-down links only change the query string.
(function () {
    'use strict';
    const page = new URLSearchParams(location.search);
    const status = document.getElementById('analytics-status');
    const root = document.getElementById('analytics');
    const charts = [];

    // A preset range ignores the custom fields; "custom" uses them (UTC), each defaulting to now / an hour before.
    function range() {
        const custom = page.get('range') === 'custom';
        const preset = Number(page.get('range')) > 0 ? Number(page.get('range')) : 3600;
        const parse = name => custom && page.get(name) ? Date.parse(page.get(name) + 'Z') / 1000 : NaN;
        const to = Number.isFinite(parse('to')) ? parse('to') : Math.floor(Date.now() / 1000);
        const from = Number.isFinite(parse('from')) ? parse('from') : to - preset;
        return { from: Math.floor(from), to: Math.ceil(to) };
    }

    function query(extra) {
        const r = range();
        const q = new URLSearchParams({ from: r.from, to: r.to });
        for (const name of ['api', 'consumer', 'route']) {
            if (page.get(name)) q.set(name, page.get(name));
        }
        for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
        return q.toString();
    }

    async function json(path, extra) {
        const response = await fetch(path + '?' + query(extra), { credentials: 'same-origin' });
        if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
        return response.json();
    }

    function drill(name, value) {
        const q = new URLSearchParams(location.search);
        q.set(name, value);
        return '/analytics?' + q.toString();
    }

    const ms = us => us / 1000;
    const fmt = (v, digits) => v === null || v === undefined ? '–' : Number(v).toLocaleString('en', { maximumFractionDigits: digits ?? 1 });

    function chart(id, series, xs, ys) {
        const el = document.getElementById(id);
        el.textContent = '';
        const width = Math.max(300, el.clientWidth || 500);
        charts.push(new uPlot({
            width: width, height: 220,
            series: [{}].concat(series.map((s, i) => ({ label: s, stroke: ['#0b5394', '#a61b1b', '#1e6b30', '#8a4b00'][i], width: 2 }))),
            axes: [{}, { size: 60 }],
            scales: { x: { time: true } },
        }, [xs].concat(ys), el));
    }

    function table(id, dimension, entries) {
        const t = document.getElementById(id);
        const caption = t.querySelector('caption');
        t.textContent = '';
        t.appendChild(caption);
        const head = t.createTHead().insertRow();
        for (const h of [dimension, 'Requests', 'Errors', 'Error %', 'p99 ms']) {
            const th = document.createElement('th');
            th.scope = 'col';
            th.textContent = h;
            if (h !== dimension) th.className = 'num';
            head.appendChild(th);
        }
        const body = t.createTBody();
        for (const e of entries) {
            const row = body.insertRow();
            const name = row.insertCell();
            const link = document.createElement('a');
            link.href = drill(dimension.toLowerCase(), e.name);
            link.textContent = e.name || '(none)';
            name.appendChild(link);
            for (const v of [fmt(e.requests, 0), fmt(e.errors, 0), fmt(e.errorRate * 100, 2), fmt(ms(e.p99Us), 2)]) {
                const c = row.insertCell();
                c.className = 'num';
                c.textContent = v;
            }
        }
    }

    function errorsTable(groups) {
        const t = document.getElementById('top-errors');
        const caption = t.querySelector('caption');
        t.textContent = '';
        t.appendChild(caption);
        const head = t.createTHead().insertRow();
        for (const h of ['Route', 'Upstream', 'Kind', 'Count', 'Started (UTC)', 'Last', 'Examples']) {
            const th = document.createElement('th');
            th.scope = 'col';
            th.textContent = h;
            head.appendChild(th);
        }
        const body = t.createTBody();
        for (const g of groups) {
            const row = body.insertRow();
            for (const v of [g.route || '(none)', g.upstream || '(none)', g.errorKind, fmt(g.count, 0), g.startedAt.replace('T', ' ').slice(0, 19), g.lastInRange.replace('T', ' ').slice(0, 19)]) {
                row.insertCell().textContent = v;
            }
            const examples = row.insertCell();
            for (const e of g.examples) {
                const code = document.createElement('code');
                code.textContent = `${e.requestId} ${e.method} ${e.status}${e.consumer ? ' ' + e.consumer : ''}${e.policy ? ' [' + e.policy + ']' : ''}`;
                if (e.request) {
                    examples.appendChild(requestDetails(code, e)); // a block of its own
                } else {
                    examples.appendChild(code);
                    examples.appendChild(document.createElement('br'));
                }
            }
        }
    }

    // The request sample (target and headers, secrets already redacted by gateway and manager), folded under the example.
    function requestDetails(summaryCode, e) {
        const details = document.createElement('details');
        details.className = 'request-sample';
        const summary = document.createElement('summary');
        summary.appendChild(summaryCode);
        details.appendChild(summary);
        const target = document.createElement('code');
        target.className = 'target';
        target.textContent = `${e.method} ${e.request.target}${e.request.targetTruncated ? ' …' : ''}`;
        details.appendChild(target);
        const table = document.createElement('table');
        const caption = table.createCaption();
        caption.textContent = 'Request headers';
        for (const h of e.request.headers) {
            const tr = table.insertRow();
            const name = document.createElement('th');
            name.scope = 'row';
            name.textContent = h.name;
            tr.appendChild(name);
            const value = tr.insertCell();
            value.textContent = h.value + (h.truncated ? ' …' : '');
            if (h.redacted) {
                value.className = 'redacted';
            }
        }
        details.appendChild(table);
        if (e.request.omittedHeaders > 0) {
            const more = document.createElement('p');
            more.className = 'meta';
            more.textContent = `${e.request.omittedHeaders} more header(s) not kept`;
            details.appendChild(more);
        }
        return details;
    }

    function totals(total) {
        const dl = document.getElementById('analytics-totals');
        dl.textContent = '';
        for (const [k, v] of [['Requests', fmt(total.requests, 0)], ['Errors', fmt(total.errors, 0)], ['Error rate', fmt(total.errorRate * 100, 2) + ' %'],
            ['p50', fmt(ms(total.p50Us), 2) + ' ms'], ['p99', fmt(ms(total.p99Us), 2) + ' ms'],
            ['Gateway overhead (mean)', fmt(ms(total.avgOverheadUs), 3) + ' ms'], ['Cache hit ratio', total.cacheHitRatio === null ? '–' : fmt(total.cacheHitRatio * 100, 1) + ' %']]) {
            const div = document.createElement('div');
            const dt = document.createElement('dt');
            dt.textContent = k;
            const dd = document.createElement('dd');
            dd.textContent = v;
            div.append(dt, dd);
            dl.appendChild(div);
        }
    }

    function rows(id, headers, values) {
        const t = document.getElementById(id);
        const caption = t.querySelector('caption');
        t.textContent = '';
        t.appendChild(caption);
        const head = t.createTHead().insertRow();
        for (const h of headers) {
            const th = document.createElement('th');
            th.scope = 'col';
            th.textContent = h;
            head.appendChild(th);
        }
        const body = t.createTBody();
        for (const v of values) {
            const row = body.insertRow();
            for (const cell of v) row.insertCell().textContent = cell;
        }
    }

    async function loadAlerts() {
        const [slos, alerts] = await Promise.all([
            fetch('/api/analytics/slos', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : []),
            fetch('/api/analytics/alerts', { credentials: 'same-origin' }).then(r => r.ok ? r.json() : { rules: [] })]);
        rows('slos', ['API', 'Target', 'Availability', 'Budget left', 'Burn 1h', 'Burn 5m', 'p99 ms'], slos.map(s => [
            s.slo.api, fmt(s.slo.availability * 100, 3) + ' %', s.requests ? fmt(s.availability * 100, 3) + ' %' : '–', fmt(s.budgetRemaining * 100, 1) + ' %',
            fmt(s.burnRate1h, 2), fmt(s.burnRate5m, 2), fmt(ms(s.p99Us), 2) + (s.slo.p99Us ? (s.p99Met ? ' ✓' : ' ✗ over ' + fmt(ms(s.slo.p99Us), 1)) : '')]));
        rows('alerts', ['Rule', 'Kind', 'State', 'Value', 'Threshold', 'Since (UTC)'], alerts.rules.map(a => [
            a.rule.name, a.rule.kind === 'burn_rate' ? `burn rate (SLO ${a.rule.sloId})` : `${a.rule.kind}: ${a.rule.metric} ${a.rule.api || ''}`,
            a.state && a.state.firing ? 'FIRING' : 'ok', a.state ? fmt(a.state.value, 3) : '–', fmt(a.rule.threshold, 3),
            a.state && a.state.since ? new Date(a.state.since * 1000).toISOString().replace('T', ' ').slice(0, 19) : '–']));
    }

    async function load() {
        await loadAlerts();
        const [series, consumers, routes, apis, errors] = await Promise.all([
            json('/api/analytics/series'), json('/api/analytics/top/consumer'), json('/api/analytics/top/route'),
            json('/api/analytics/top/api'), json('/api/analytics/errors')]);
        charts.splice(0).forEach(c => c.destroy());
        const p = series.points;
        const xs = p.map(x => x.time);
        chart('chart-throughput', ['requests/s', 'errors/s'], xs, [p.map(x => x.requestsPerSecond), p.map(x => x.errors / series.stepSeconds)]);
        chart('chart-latency', ['p50', 'p95', 'p99'], xs, [p.map(x => x.requests ? ms(x.p50Us) : null), p.map(x => x.requests ? ms(x.p95Us) : null), p.map(x => x.requests ? ms(x.p99Us) : null)]);
        chart('chart-errors', ['error %'], xs, [p.map(x => x.requests ? x.errorRate * 100 : null)]);
        chart('chart-overhead', ['upstream', 'gateway overhead'], xs, [p.map(x => x.requests ? ms(x.avgUpstreamUs) : null), p.map(x => x.requests ? ms(x.avgOverheadUs) : null)]);
        chart('chart-cache', ['hit %'], xs, [p.map(x => x.cacheHitRatio === null ? null : x.cacheHitRatio * 100)]);
        totals(series.total);
        table('top-consumer', 'Consumer', consumers);
        table('top-route', 'Route', routes);
        table('top-api', 'API', apis);
        errorsTable(errors);
        const list = document.getElementById('api-list');
        list.textContent = '';
        for (const a of apis) if (a.name) list.appendChild(new Option(a.name));
        for (const [id, path] of [['csv-series', '/api/analytics/series'], ['csv-consumer', '/api/analytics/top/consumer'], ['csv-route', '/api/analytics/top/route'],
            ['csv-api', '/api/analytics/top/api'], ['csv-errors', '/api/analytics/errors']]) {
            document.getElementById(id).href = path + '?' + query({ format: 'csv', limit: 1000 });
        }
        const r = range();
        status.textContent = `${fmt(series.total.requests, 0)} requests from ${new Date(r.from * 1000).toISOString().slice(0, 16)} to ${new Date(r.to * 1000).toISOString().slice(0, 16)} UTC, step ${series.stepSeconds / 60} min`;
        root.dataset.requests = String(series.total.requests);
        root.dataset.loaded = 'true';
    }

    load().catch(e => { status.textContent = 'Could not load analytics: ' + e.message; root.dataset.loaded = 'error'; });
})();
