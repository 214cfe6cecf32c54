// report_check.js — checks a lowwatt report's charts in a real browser.
//
// tests/report_browser.sh appends this script, inline, to the end of a COPY
// of a report (the report itself has no script) and loads the copy in
// headless Chromium with --dump-dom. Running at the end of <body>, after
// the charts are parsed, it lays them out (getBoundingClientRect forces
// layout) and checks every <svg class="chart">:
//
//   - a title, and per axis an axis title and at least two tick labels,
//     none empty;
//   - every series has data-points > 0, and its polylines (plus lone-point
//     circles) and its marker circles hold exactly that many points, all
//     inside the chart;
//   - every text lies inside the chart's box, and the tick labels of one
//     axis do not overlap;
//   - with more than one series, one legend entry per series, named, and
//     no entry over the plot area.
//
// The verdict goes into the DOM as JSON, the text of a pre element with the
// id report-check, which --dump-dom prints for the shell test to parse.
(function () {
	"use strict";
	var errors = [];
	var charts = [];
	var SLACK = 0.5;   // px of rounding

	function inside(r, box) {
		return r.left >= box.left - SLACK && r.right <= box.right + SLACK &&
			r.top >= box.top - SLACK && r.bottom <= box.bottom + SLACK;
	}
	function overlap(a, b) {
		return a.left < b.right - SLACK && b.left < a.right - SLACK &&
			a.top < b.bottom - SLACK && b.top < a.bottom - SLACK;
	}
	function text(el) {
		return (el.textContent || "").trim();
	}

	function checkAxis(svg, id, which, box) {
		var axis = svg.querySelector('g.axis[data-axis="' + which + '"]');
		if (!axis) {
			errors.push(id + ": no " + which + " axis");
			return null;
		}
		var title = axis.querySelectorAll("text.axis-title");
		if (title.length !== 1 || !text(title[0]))
			errors.push(id + ": " + which + " axis has no title");
		var labels = Array.prototype.slice.call(axis.querySelectorAll("text.tick-label"));
		if (labels.length < 2)
			errors.push(id + ": " + which + " axis has " + labels.length + " tick labels");
		var rects = labels.map(function (l) { return l.getBoundingClientRect(); });
		labels.forEach(function (l, i) {
			if (!text(l))
				errors.push(id + ": an empty " + which + " tick label");
			for (var j = i + 1; j < labels.length; j++)
				if (overlap(rects[i], rects[j]))
					errors.push(id + ": " + which + " tick labels '" + text(l) + "' and '" +
						text(labels[j]) + "' overlap");
		});
		return {title: title.length ? text(title[0]) : "",
			ticks: labels.map(text)};
	}

	function pointsInside(svg, xs, ys) {
		var w = +svg.getAttribute("width"), h = +svg.getAttribute("height");
		for (var i = 0; i < xs.length; i++)
			if (!(xs[i] >= 0 && xs[i] <= w && ys[i] >= 0 && ys[i] <= h))
				return false;
		return true;
	}

	function checkSeries(svg, id, g) {
		var name = g.getAttribute("data-series") || "";
		var n = +g.getAttribute("data-points");
		var mark = g.getAttribute("data-mark");
		var xs = [], ys = [];
		if (!name)
			errors.push(id + ": a series without a name");
		if (!(n > 0))
			errors.push(id + ": series '" + name + "' has data-points " + n);
		if (mark === "line" || mark === "both") {
			var count = 0;
			g.querySelectorAll("polyline").forEach(function (p) {
				for (var i = 0; i < p.points.numberOfItems; i++) {
					xs.push(p.points.getItem(i).x);
					ys.push(p.points.getItem(i).y);
				}
				count += p.points.numberOfItems;
			});
			var lone = g.querySelectorAll("circle.lone");
			count += lone.length;
			if (mark === "line" && count !== n)
				errors.push(id + ": series '" + name + "' draws " + count + " line points, data-points " + n);
			if (mark === "both" && count > n)
				errors.push(id + ": series '" + name + "' draws " + count + " line points > " + n);
		}
		if (mark === "markers" || mark === "both") {
			var markers = g.querySelectorAll("circle.marker");
			markers.forEach(function (c) {
				xs.push(c.cx.baseVal.value);
				ys.push(c.cy.baseVal.value);
			});
			if (markers.length !== n)
				errors.push(id + ": series '" + name + "' draws " + markers.length + " markers, data-points " + n);
		}
		if (mark !== "line" && mark !== "markers" && mark !== "both")
			errors.push(id + ": series '" + name + "' has data-mark " + mark);
		if (!pointsInside(svg, xs, ys))
			errors.push(id + ": series '" + name + "' has points outside the chart");
		return {name: name, points: n, mark: mark};
	}

	function checkLegend(svg, id, series, box) {
		var entries = svg.querySelectorAll("g.legend-entry");
		if (series.length > 1 && entries.length !== series.length)
			errors.push(id + ": " + entries.length + " legend entries for " + series.length + " series");
		var grid = svg.querySelector("g.grid");
		var plot = grid ? grid.getBoundingClientRect() : null;
		var names = [];
		entries.forEach(function (e) {
			var t = e.querySelector("text");
			if (!t || !text(t))
				errors.push(id + ": a legend entry without a name");
			names.push(t ? text(t) : "");
			if (plot && overlap(e.getBoundingClientRect(), plot))
				errors.push(id + ": legend entry '" + (t ? text(t) : "") + "' covers the plot");
		});
		return names;
	}

	function checkChart(svg) {
		var id = svg.getAttribute("data-chart") || "(no id)";
		var box = svg.getBoundingClientRect();
		if (!(box.width > 100 && box.height > 100))
			errors.push(id + ": chart is " + box.width + "x" + box.height);
		var title = svg.querySelector("text.chart-title");
		if (!title || !text(title))
			errors.push(id + ": no title");
		var x = checkAxis(svg, id, "x", box), y = checkAxis(svg, id, "y", box);
		svg.querySelectorAll("text").forEach(function (t) {
			var r = t.getBoundingClientRect();
			if (!inside(r, box))
				errors.push(id + ": text '" + text(t) + "' leaves the chart (" +
					[r.left, r.top, r.right, r.bottom].map(Math.round) + " not in " +
					[box.left, box.top, box.right, box.bottom].map(Math.round) + ")");
			if (text(t) && !(r.width > 0))
				errors.push(id + ": text '" + text(t) + "' has no width");
		});
		var series = Array.prototype.map.call(svg.querySelectorAll("g.series"),
			function (g) { return checkSeries(svg, id, g); });
		if (series.length === 0)
			errors.push(id + ": no series");
		charts.push({id: id, title: title ? text(title) : "", x: x, y: y, series: series,
			legend: checkLegend(svg, id, series, box)});
	}

	try {
		document.querySelectorAll("svg.chart").forEach(checkChart);
	} catch (e) {
		errors.push("the check failed: " + e);
	}
	var out = document.createElement("pre");
	out.id = "report-check";
	out.textContent = JSON.stringify({ok: errors.length === 0, charts: charts, errors: errors});
	document.body.appendChild(out);
})();
