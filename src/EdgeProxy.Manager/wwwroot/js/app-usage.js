// A developer's own app usage: requests and errors per hour over the last 24 hours, and the totals.
(function () {
    'use strict';
    const section = document.getElementById('app-usage');
    const summary = document.getElementById('app-usage-summary');
    const to = Math.ceil(Date.now() / 1000);
    fetch(`/api/analytics/apps/${section.dataset.app}/series?from=${to - 86400}&to=${to}&step=3600`, { credentials: 'same-origin' })
        .then(r => { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(series => {
            const t = series.total;
            summary.textContent = `${t.requests} requests, ${t.errors} errors` + (t.requests ? `, p99 ${(t.p99Us / 1000).toFixed(1)} ms` : '');
            const p = series.points;
            new uPlot({
                width: Math.max(300, section.clientWidth || 600), height: 180,
                series: [{}, { label: 'requests', stroke: '#0b5394', width: 2 }, { label: 'errors', stroke: '#a61b1b', width: 2 }],
                scales: { x: { time: true } },
            }, [p.map(x => x.time), p.map(x => x.requests), p.map(x => x.errors)], document.getElementById('app-usage-chart'));
            section.dataset.requests = String(t.requests);
        })
        .catch(e => { summary.textContent = 'Usage unavailable: ' + e.message; });
})();
