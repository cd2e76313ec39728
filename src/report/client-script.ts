/**
 * The one script of the HTML report besides Chart.js itself. It reads the JSON
 * island, hands the chart specifications (built by `chart-data.ts`) to Chart.js and
 * touches the page only through canvases and `textContent`. No `eval`, no
 * `innerHTML`, no network.
 */
export const CHART_SCRIPT = `(function () {
  'use strict';
  var root = document.documentElement;
  var island = document.getElementById('report-data');
  if (!island || typeof Chart === 'undefined') {
    root.setAttribute('data-charts', 'unavailable');
    return;
  }
  var charts = JSON.parse(island.textContent).charts || {};
  var style = getComputedStyle(document.body);
  Chart.defaults.font.family = style.fontFamily;
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#334155';
  Chart.defaults.borderColor = '#e2e8f0';
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.responsive = true;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
  Chart.defaults.plugins.legend.labels.boxHeight = 12;
  Chart.defaults.plugins.tooltip.mode = 'index';
  Chart.defaults.plugins.tooltip.intersect = false;

  var number = new Intl.NumberFormat('en-US');

  function datasets(spec, extra) {
    return spec.datasets.map(function (d) {
      var out = { label: d.label, data: d.data, backgroundColor: d.color, borderColor: d.color, borderWidth: 0 };
      for (var k in extra) out[k] = extra[k];
      return out;
    });
  }

  function countLabel(spec) {
    return function (item) {
      var label = spec.datasets.length > 1 ? item.dataset.label + ': ' : '';
      var note = spec.notes && spec.notes[item.dataIndex] ? ' (' + spec.notes[item.dataIndex] + ')' : '';
      return label + number.format(item.parsed[spec.kind === 'ranking' ? 'x' : 'y']) + ' ' + spec.unit + note;
    };
  }

  function config(spec) {
    var valueAxis = { beginAtZero: true, ticks: { precision: 0 }, grid: { color: '#eef2f7' } };
    var categoryAxis = { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0, autoSkipPadding: 14 } };
    var tooltip = { callbacks: { label: countLabel(spec) } };
    if (spec.kind === 'timeline') {
      categoryAxis.stacked = true;
      valueAxis.stacked = true;
      return {
        type: 'bar',
        data: { labels: spec.labels, datasets: datasets(spec, { categoryPercentage: 1, barPercentage: 0.92 }) },
        options: {
          scales: { x: categoryAxis, y: valueAxis },
          plugins: { legend: { position: 'bottom' }, tooltip: tooltip }
        }
      };
    }
    if (spec.kind === 'ranking') {
      categoryAxis.ticks.autoSkip = false;
      return {
        type: 'bar',
        data: { labels: spec.labels, datasets: datasets(spec, { borderRadius: 3, maxBarThickness: 26 }) },
        options: {
          indexAxis: 'y',
          scales: { x: valueAxis, y: categoryAxis },
          plugins: { legend: { display: false }, tooltip: tooltip }
        }
      };
    }
    if (spec.kind === 'columns') {
      // Few named columns: every name is shown, slanted when they do not fit.
      categoryAxis.ticks.autoSkip = false;
      categoryAxis.ticks.maxRotation = 60;
    }
    return {
      type: 'bar',
      data: { labels: spec.labels, datasets: datasets(spec, { borderRadius: 3, maxBarThickness: spec.kind === 'columns' ? 56 : 22 }) },
      options: {
        scales: { x: categoryAxis, y: valueAxis },
        plugins: { legend: { display: spec.datasets.length > 1, position: 'bottom' }, tooltip: tooltip }
      }
    };
  }

  var drawn = 0;
  Object.keys(charts).forEach(function (key) {
    var spec = charts[key];
    var canvas = document.getElementById(spec.id);
    if (!canvas) return;
    try {
      new Chart(canvas, config(spec));
      drawn++;
    } catch (err) {
      var box = canvas.parentNode;
      var note = document.createElement('p');
      note.className = 'chart-error';
      note.textContent = 'This chart could not be drawn: ' + (err && err.message ? err.message : String(err));
      box.parentNode.insertBefore(note, box);
    }
  });
  window.addEventListener('beforeprint', function () {
    Object.keys(Chart.instances).forEach(function (id) { Chart.instances[id].resize(); });
  });
  root.setAttribute('data-charts', drawn === Object.keys(charts).length ? 'ready' : 'partial');
})();
`;
